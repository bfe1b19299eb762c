package io.easyfaas.api.function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

class FunctionDefinitionTest {

    @Test
    void isValidNameAgreesWithTheNamePattern() {
        Pattern pattern = Pattern.compile(FunctionDefinition.NAME_PATTERN);
        String[] names = {"f", "my-function_2", "A".repeat(64), "A".repeat(65), "", "a b", "a/b", "..", "é", "a.b",
            "name\n", "Ünïcode", "-", "_", "0"};
        for (String name : names) {
            assertEquals(pattern.matcher(name).matches(), FunctionDefinition.isValidName(name), "name '" + name + "'");
        }
        assertFalse(FunctionDefinition.isValidName(null));
    }
}
