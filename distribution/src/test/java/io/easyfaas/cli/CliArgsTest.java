package io.easyfaas.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CliArgsTest {

    @Test
    void optionsMayComeAnywhere() throws Exception {
        CliArgs a = CliArgs.parse("--url", "http://h:1", "deploy", "--runtime", "python3", "fn",
                "--handler=index.handler", "-v");
        assertEquals("deploy", a.command());
        assertEquals(List.of("fn"), a.operands());
        assertEquals("http://h:1", a.get("url"));
        assertEquals("python3", a.get("runtime"));
        assertEquals("index.handler", a.get("handler"));
        assertTrue(a.has("verbose"));
        assertFalse(a.has("help"));
        assertNull(a.get("code"));
    }

    @Test
    void repeatedEnvKeepsOrderAndSplitsOnFirstEquals() throws Exception {
        CliArgs a = CliArgs.parse("deploy", "f", "--env", "A=1", "--env=B=x=y", "--env", "C=");
        assertEquals(Map.of("A", "1", "B", "x=y", "C", ""), a.env());
        assertEquals(List.of("A", "B", "C"), List.copyOf(a.env().keySet()));
    }

    @Test
    void envWithoutKeyIsRejected() throws Exception {
        CliArgs a = CliArgs.parse("deploy", "f", "--env", "=1");
        assertThrows(UsageException.class, a::env);
        CliArgs b = CliArgs.parse("deploy", "f", "--env", "NOEQUALS");
        assertThrows(UsageException.class, b::env);
    }

    @Test
    void valueOptionTakesTheNextArgumentEvenIfItLooksLikeAnOption() throws Exception {
        CliArgs a = CliArgs.parse("deploy", "f", "--description", "--not-an-option", "--data", "-");
        assertEquals("--not-an-option", a.get("description"));
        assertEquals("-", a.get("data"));
    }

    @Test
    void doubleDashEndsOptions() throws Exception {
        CliArgs a = CliArgs.parse("get", "--", "--weird");
        assertEquals(List.of("--weird"), a.operands());
    }

    @Test
    void badOptionsAreUsageErrors() {
        assertThrows(UsageException.class, () -> CliArgs.parse("list", "--nope"));
        assertThrows(UsageException.class, () -> CliArgs.parse("list", "-x"));
        assertThrows(UsageException.class, () -> CliArgs.parse("deploy", "f", "--runtime"));
        assertThrows(UsageException.class, () -> CliArgs.parse("list", "--verbose=yes"));
    }

    @Test
    void integersAreChecked() throws Exception {
        assertEquals(256, CliArgs.parse("deploy", "--memory", "256").integer("memory", 1));
        assertNull(CliArgs.parse("deploy").integer("memory", 1));
        assertThrows(UsageException.class, () -> CliArgs.parse("deploy", "--memory", "lots").integer("memory", 1));
        assertThrows(UsageException.class, () -> CliArgs.parse("deploy", "--timeout", "0").integer("timeout", 1));
    }

    @Test
    void commandsRejectOptionsThatAreNotTheirs() throws Exception {
        CliArgs a = CliArgs.parse("list", "--runtime", "x");
        assertThrows(UsageException.class, () -> a.allowOnly("list"));
        CliArgs b = CliArgs.parse("list", "--url", "http://x:1", "-v");
        b.allowOnly("list");
    }

    @Test
    void operandCountIsChecked() throws Exception {
        assertThrows(UsageException.class, () -> CliArgs.parse("get").operands("get", 1, "NAME"));
        assertThrows(UsageException.class, () -> CliArgs.parse("get", "a", "b").operands("get", 1, "NAME"));
        assertEquals(List.of("a"), CliArgs.parse("get", "a").operands("get", 1, "NAME"));
    }
}
