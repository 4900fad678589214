package io.streamfit;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * No inline fully-qualified class names in src/main/java (issue 14, item 8): a type is imported and
 * then named by its simple name, as in {@code List<String>}, not {@code java.util.List<String>}. Where
 * two types share a simple name, one of them may stay qualified, as an entry in the allow-list.
 *
 * <p>The names that were inline when this test was written are listed in
 * src/test/resources/inline-fqn-allowlist.txt, counted per file and name. The list only shrinks: a
 * name inline beyond its count fails, and so does an entry whose count is higher than what is left
 * (lower or delete it). Comments, strings, package and import lines are not looked at.
 */
class SourceStyleTest {
    private static final Path MAIN = Path.of("src/main/java");
    private static final Path ALLOWED = Path.of("src/test/resources/inline-fqn-allowlist.txt");
    /** A package of one of the roots the code uses, then a class: java.util.List, io.streamfit.spec.ModelSpec. */
    private static final Pattern QUALIFIED = Pattern.compile(
            "(?<![\\w.])(?:java|javax|jakarta|io|org|com|net|info|sun|jdk)(?:\\.[a-z_][a-z0-9_]*)+\\.[A-Z]\\w*");

    @Test
    void mainCodeNamesImportedTypesBySimpleName() throws IOException {
        Map<String, Integer> allowed = allowList();
        Map<String, List<String>> found = new TreeMap<>();
        try (Stream<Path> files = Files.walk(MAIN)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).sorted().toList()) {
                String rel = MAIN.relativize(file).toString();
                String[] lines = codeOnly(Files.readString(file, StandardCharsets.UTF_8)).split("\n", -1);
                for (int i = 0; i < lines.length; i++) {
                    String line = lines[i].strip();
                    if (line.startsWith("package ") || line.startsWith("import ")) {
                        continue;
                    }
                    Matcher m = QUALIFIED.matcher(lines[i]);
                    while (m.find()) {
                        found.computeIfAbsent(rel + " " + m.group(), k -> new ArrayList<>()).add(rel + ":" + (i + 1));
                    }
                }
            }
        }
        List<String> added = new ArrayList<>();
        found.forEach((key, where) -> {
            if (where.size() > allowed.getOrDefault(key, 0)) {
                added.add(key.substring(key.indexOf(' ') + 1) + " at " + where);
            }
        });
        List<String> stale = new ArrayList<>();
        allowed.forEach((key, count) -> {
            int left = found.getOrDefault(key, List.of()).size();
            if (left < count) {
                stale.add(left == 0 ? "delete \"" + count + " " + key + "\"" : "lower \"" + count + " " + key + "\" to " + left);
            }
        });
        String problems = (added.isEmpty() ? ""
                : "import these and name them by their simple names (or, for a clash of simple names, "
                        + "add them to " + ALLOWED + "):\n  " + String.join("\n  ", added) + "\n")
                + (stale.isEmpty() ? ""
                        : "fewer inline qualified names than " + ALLOWED + " allows; it only shrinks, so:\n  "
                                + String.join("\n  ", stale) + "\n");
        assertTrue(problems.isEmpty(), problems);
    }

    /** "count file name" lines; # starts a comment. */
    private static Map<String, Integer> allowList() throws IOException {
        Map<String, Integer> allowed = new TreeMap<>();
        for (String line : Files.readAllLines(ALLOWED, StandardCharsets.UTF_8)) {
            String entry = line.replaceAll("#.*", "").strip();
            if (!entry.isEmpty()) {
                String[] f = entry.split("\\s+");
                allowed.merge(f[1] + " " + f[2], Integer.parseInt(f[0]), Integer::sum);
            }
        }
        return allowed;
    }

    /** The source with comments, string and character literals and text blocks blanked out; line breaks stay. */
    private static String codeOnly(String src) {
        StringBuilder out = new StringBuilder(src.length());
        int n = src.length();
        int i = 0;
        while (i < n) {
            char c = src.charAt(i);
            int end;
            if (src.startsWith("\"\"\"", i)) {
                end = i + 3;
                while (end < n && !(src.startsWith("\"\"\"", end) && src.charAt(end - 1) != '\\')) {
                    end++;
                }
                end = Math.min(n, end + 3);
            } else if (c == '"' || c == '\'') {
                end = i + 1;
                while (end < n && src.charAt(end) != c && src.charAt(end) != '\n') {
                    end += src.charAt(end) == '\\' ? 2 : 1;
                }
                end = Math.min(n, end + 1);
            } else if (src.startsWith("//", i)) {
                end = src.indexOf('\n', i);
                end = end < 0 ? n : end;
            } else if (src.startsWith("/*", i)) {
                end = src.indexOf("*/", i + 2);
                end = end < 0 ? n : end + 2;
            } else {
                out.append(c);
                i++;
                continue;
            }
            for (int k = i; k < end; k++) {
                out.append(src.charAt(k) == '\n' ? '\n' : ' ');
            }
            i = end;
        }
        return out.toString();
    }
}
