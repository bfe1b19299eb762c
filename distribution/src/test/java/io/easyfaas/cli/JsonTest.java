package io.easyfaas.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {

    @Test
    void writesEscapedStringsNumbersAndNestedMaps() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("s", "a\"b\\c\nd\u0001é");
        m.put("n", 128);
        m.put("o", Map.of("k", "v"));
        assertEquals("{\"s\":\"a\\\"b\\\\c\\nd\\u0001é\",\"n\":128,\"o\":{\"k\":\"v\"}}", Json.write(m));
    }

    @Test
    void prettyPrintsWithoutTouchingStrings() {
        String in = "{\"a\":[1,2],\"b\":{},\"c\":\"x, {y}: [z]\",\"d\":[]}";
        String expected = """
                {
                  "a": [
                    1,
                    2
                  ],
                  "b": {},
                  "c": "x, {y}: [z]",
                  "d": []
                }""";
        assertEquals(expected, Json.pretty(in));
    }

    @Test
    void nonJsonIsLeftAlone() {
        assertEquals("Hello world!", Json.pretty("Hello world!"));
        assertEquals("{\"a\":", Json.pretty("{\"a\":"));
    }
}
