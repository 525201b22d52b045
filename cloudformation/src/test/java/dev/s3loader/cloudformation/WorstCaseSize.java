package dev.s3loader.cloudformation;

import static dev.s3loader.cloudformation.CfnTemplate.cast;
import static dev.s3loader.cloudformation.CfnTemplate.list;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The largest size, in bytes of JSON (Lambda measures a function's environment as the JSON object
 * of its variables), that a template expression can take for any parameter values the template
 * accepts: a parameter's longest allowed value times the worst escaping of the characters its
 * AllowedPattern admits; the longer branch of every Fn::If; the longest value of a mapping.
 * A free-text parameter without MaxLength is unbounded and fails the check.
 */
final class WorstCaseSize {
    /** Longest physical values of what the functions' environments refer to. */
    private static final Map<String, Long> RESOURCE_REF = Map.of(
            // a bucket name
            "AWS::S3::Bucket", 63L,
            // https://sqs.<region>.amazonaws.com.cn/<account>/<queue name of at most 80>
            "AWS::SQS::Queue", (long) ("https://sqs.".length() + 20 + ".amazonaws.com.cn/".length() + 12 + 1 + 80));
    private static final Map<String, Long> PSEUDO = Map.of("AWS::StackName", 128L, "AWS::Region", 20L,
            "AWS::AccountId", 12L, "AWS::Partition", 10L, "AWS::URLSuffix", 16L);
    /** Probes for what a pattern admits: every ASCII character and one beyond ASCII. */
    private static final String NON_ASCII = "\u00e9";

    private final CfnTemplate template;

    WorstCaseSize(CfnTemplate template) {
        this.template = template;
    }

    /** {"NAME":"value",...} with every value at its worst. */
    long environment(Map<String, Object> variables) {
        long size = 2 + Math.max(0, variables.size() - 1);
        for (var e : variables.entrySet()) {
            size += json(e.getKey()) + 3 + value(e.getValue(), e.getKey());
        }
        return size;
    }

    /** Each variable's worst-case share ("NAME":"value",), largest first, for the failure message. */
    String breakdown(Map<String, Object> variables) {
        return variables.entrySet().stream()
                .map(e -> Map.entry(e.getKey(), json(e.getKey()) + 4 + value(e.getValue(), e.getKey())))
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .map(e -> e.getKey() + " " + e.getValue()).collect(java.util.stream.Collectors.joining(", "));
    }

    long value(Object node, String where) {
        String fn = CfnTemplate.intrinsic(node);
        if (fn == null) {
            if (node instanceof Map<?, ?> || node instanceof List<?>) {
                throw new AssertionError(where + ": not a scalar: " + node);
            }
            return json(CfnEvaluator.scalar(node));
        }
        Object arg = cast(node).get(fn);
        return switch (fn) {
            case "Ref" -> ref((String) arg, where);
            case "Fn::If" -> Math.max(value(list(arg).get(1), where), value(list(arg).get(2), where));
            case "Fn::FindInMap" -> {
                long max = 0;
                for (Object level : cast(template.mappings().get((String) list(arg).get(0))).values()) {
                    for (Object v : cast(level).values()) {
                        max = Math.max(max, json(CfnEvaluator.scalar(v)));
                    }
                }
                yield max;
            }
            case "Fn::Sub" -> {
                String text = arg instanceof List<?> l ? (String) l.get(0) : (String) arg;
                Map<String, Object> local = arg instanceof List<?> l ? cast(l.get(1)) : Map.of();
                long size = json(text.replaceAll("\\$\\{[^}]*}", ""));
                for (String v : CfnEvaluator.subVariables(text)) {
                    size += local.containsKey(v) ? value(local.get(v), where) : ref(v, where);
                }
                yield size;
            }
            default -> throw new AssertionError(where + ": " + fn + " is not bounded by this check; add it to WorstCaseSize");
        };
    }

    private long ref(String name, String where) {
        if (PSEUDO.containsKey(name)) {
            return PSEUDO.get(name);
        }
        if (template.resources().containsKey(name)) {
            Long bound = RESOURCE_REF.get(template.type(name));
            if (bound == null) {
                throw new AssertionError(where + ": no bound for the Ref of a " + template.type(name));
            }
            return bound;
        }
        return parameter(name, where);
    }

    /** The parameter's longest allowed value, escaped at worst. */
    long parameter(String name, String where) {
        Map<String, Object> p = template.parameter(name);
        String type = (String) p.get("Type");
        if (p.get("AllowedValues") != null) {
            return list(p.get("AllowedValues")).stream().mapToLong(v -> json(CfnEvaluator.scalar(v))).max().orElse(0);
        }
        if ("Number".equals(type)) {
            return Math.max(CfnEvaluator.scalar(p.get("MinValue")).length(), CfnEvaluator.scalar(p.get("MaxValue")).length());
        }
        if (p.get("MaxLength") == null) {
            throw new AssertionError(where + ": parameter " + name + " has no MaxLength, so its size is unbounded");
        }
        long length = Long.parseLong(CfnEvaluator.scalar(p.get("MaxLength")));
        return length * worstCharacter((String) p.get("AllowedPattern"));
    }

    /** The most bytes one character the pattern admits can take in JSON. */
    static long worstCharacter(String pattern) {
        if (pattern == null) {
            // Anything, a character beyond the BMP escaped as a surrogate pair included.
            return 12;
        }
        long worst = 1;
        for (int c = 0; c < 128; c++) {
            if (admits(pattern, String.valueOf((char) c))) {
                worst = Math.max(worst, json(String.valueOf((char) c)));
            }
        }
        if (admits(pattern, NON_ASCII)) {
            // A character beyond the BMP, escaped as a surrogate pair.
            worst = 12;
        }
        return worst;
    }

    /**
     * Whether the pattern can match the character anywhere: each of its character classes, escapes
     * and literals is tried on it. The template's patterns are anchored sequences of those.
     */
    static boolean admits(String pattern, String ch) {
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            String atom;
            if (c == '[') {
                int end = i + 1;
                if (end < pattern.length() && pattern.charAt(end) == '^') {
                    end++;
                }
                if (end < pattern.length() && pattern.charAt(end) == ']') {
                    end++;
                }
                while (pattern.charAt(end) != ']') {
                    end += pattern.charAt(end) == '\\' ? 2 : 1;
                }
                atom = pattern.substring(i, end + 1);
                i = end;
            } else if (c == '\\') {
                atom = pattern.substring(i, i + 2);
                i++;
            } else if (c == '{') {
                i = pattern.indexOf('}', i);
                continue;
            } else if ("^$|()*+?".indexOf(c) >= 0) {
                continue;
            } else {
                atom = Pattern.quote(String.valueOf(c));
                if (c == '.') {
                    atom = ".";
                }
            }
            if (Pattern.compile(atom, Pattern.DOTALL).matcher(ch).matches()) {
                return true;
            }
        }
        return false;
    }

    /** The string's size in a JSON document: UTF-8, with JSON's escapes. */
    static long json(String s) {
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\' || c == '\b' || c == '\f' || c == '\n' || c == '\r' || c == '\t') {
                n += 2;
            } else if (c < 0x20 || c == 0x7f) {
                n += 6;
            } else if (c < 0x80) {
                n += 1;
            } else {
                n += c < 0x800 ? 2 : 3;
            }
        }
        return n;
    }
}
