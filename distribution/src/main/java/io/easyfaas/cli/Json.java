package io.easyfaas.cli;

import java.util.Iterator;
import java.util.Map;

/** Just enough JSON: write maps, strings and numbers; re-indent a server response for reading. */
final class Json {

    private Json() {
    }

    /** Writes a {@link Map} (insertion order kept), {@link CharSequence}, {@link Number}, Boolean or null. */
    static String write(Object value) {
        StringBuilder sb = new StringBuilder();
        write(sb, value);
        return sb.toString();
    }

    private static void write(StringBuilder sb, Object value) {
        if (value == null) {
            sb.append("null");
        } else if (value instanceof Map<?, ?> map) {
            sb.append('{');
            Iterator<? extends Map.Entry<?, ?>> it = map.entrySet().iterator();
            while (it.hasNext()) {
                Map.Entry<?, ?> e = it.next();
                quote(sb, String.valueOf(e.getKey()));
                sb.append(':');
                write(sb, e.getValue());
                if (it.hasNext()) {
                    sb.append(',');
                }
            }
            sb.append('}');
        } else if (value instanceof Number || value instanceof Boolean) {
            sb.append(value);
        } else {
            quote(sb, value.toString());
        }
    }

    static String quote(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2);
        quote(sb, s);
        return sb.toString();
    }

    private static void quote(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20 || c == '\u2028' || c == '\u2029') {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    /**
     * Re-indents JSON text with two spaces, leaving strings and scalars untouched. Text that does
     * not start with an object or array is returned as it is; so is anything whose brackets do not
     * balance (it is not JSON, and is better shown verbatim).
     */
    static String pretty(String json) {
        String t = json.strip();
        if (t.isEmpty() || (t.charAt(0) != '{' && t.charAt(0) != '[')) {
            return json;
        }
        StringBuilder sb = new StringBuilder(t.length() * 2);
        int depth = 0;
        boolean inString = false;
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            if (inString) {
                sb.append(c);
                if (c == '\\' && i + 1 < t.length()) {
                    sb.append(t.charAt(++i));
                } else if (c == '"') {
                    inString = false;
                }
                continue;
            }
            switch (c) {
                case '"' -> {
                    inString = true;
                    sb.append(c);
                }
                case '{', '[' -> {
                    char close = c == '{' ? '}' : ']';
                    int next = skipSpace(t, i + 1);
                    if (next < t.length() && t.charAt(next) == close) {
                        sb.append(c).append(close); // {} and [] stay on one line
                        i = next;
                    } else {
                        depth++;
                        sb.append(c);
                        newline(sb, depth);
                    }
                }
                case '}', ']' -> {
                    depth--;
                    if (depth < 0) {
                        return json;
                    }
                    newline(sb, depth);
                    sb.append(c);
                }
                case ',' -> {
                    sb.append(c);
                    newline(sb, depth);
                }
                case ':' -> sb.append(": ");
                case ' ', '\t', '\n', '\r' -> {
                    // dropped: the layout is ours
                }
                default -> sb.append(c);
            }
        }
        if (depth != 0 || inString) {
            return json;
        }
        return sb.toString();
    }

    private static int skipSpace(String s, int i) {
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        return i;
    }

    private static void newline(StringBuilder sb, int depth) {
        sb.append('\n');
        sb.append("  ".repeat(Math.max(0, depth)));
    }
}
