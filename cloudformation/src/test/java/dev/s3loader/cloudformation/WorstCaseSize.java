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
    /** The Destination parameter's value, or null for any: one stack has one destination, so its conditions decide. */
    private final String destination;

    WorstCaseSize(CfnTemplate template) {
        this(template, null);
    }

    WorstCaseSize(CfnTemplate template, String destination) {
        this.template = template;
        this.destination = destination;
    }

    /** A variable whose value is decided to be AWS::NoValue: Lambda does not set it. */
    private boolean absent(Object node) {
        if ("Ref".equals(CfnTemplate.intrinsic(node))) {
            return "AWS::NoValue".equals(cast(node).get("Ref"));
        }
        if ("Fn::If".equals(CfnTemplate.intrinsic(node))) {
            List<?> arg = list(cast(node).get("Fn::If"));
            Boolean c = decide((String) arg.get(0));
            return c != null && absent(arg.get(c ? 1 : 2));
        }
        return false;
    }

    /**
     * The condition's value where the Destination parameter alone decides it (Fn::Equals of Ref
     * Destination and a literal, and Not/And/Or/Condition over those), else null.
     */
    private Boolean decide(String condition) {
        return destination == null ? null : decideNode(template.conditions().get(condition));
    }

    private Boolean decideNode(Object node) {
        String fn = CfnTemplate.intrinsic(node);
        if (fn == null) {
            return null;
        }
        Object arg = cast(node).get(fn);
        switch (fn) {
            case "Condition":
                return decideNode(template.conditions().get((String) arg));
            case "Fn::Not": {
                Boolean b = decideNode(list(arg).get(0));
                return b == null ? null : !b;
            }
            case "Fn::And":
            case "Fn::Or": {
                boolean and = fn.equals("Fn::And");
                boolean unknown = false;
                for (Object o : list(arg)) {
                    Boolean b = decideNode(o);
                    if (b == null) {
                        unknown = true;
                    } else if (b != and) {
                        return b;
                    }
                }
                return unknown ? null : and;
            }
            case "Fn::Equals": {
                List<?> two = list(arg);
                Object a = two.get(0);
                Object b = two.get(1);
                if (isDestination(b)) {
                    Object t = a;
                    a = b;
                    b = t;
                }
                return isDestination(a) && CfnTemplate.intrinsic(b) == null ? destination.equals(CfnEvaluator.scalar(b)) : null;
            }
            default:
                return null;
        }
    }

    private static boolean isDestination(Object node) {
        return "Ref".equals(CfnTemplate.intrinsic(node)) && "Destination".equals(cast(node).get("Ref"));
    }

    /** {"NAME":"value",...} with every value at its worst. */
    long environment(Map<String, Object> variables) {
        long set = variables.values().stream().filter(v -> !absent(v)).count();
        long size = 2 + Math.max(0, set - 1);
        for (var e : variables.entrySet()) {
            if (!absent(e.getValue())) {
                size += json(e.getKey()) + 3 + value(e.getValue(), e.getKey());
            }
        }
        return size;
    }

    /** Each variable's worst-case share ("NAME":"value",), largest first, for the failure message. */
    String breakdown(Map<String, Object> variables) {
        return variables.entrySet().stream().filter(e -> !absent(e.getValue()))
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
            case "Fn::If" -> {
                Boolean c = decide((String) list(arg).get(0));
                yield c != null ? value(list(arg).get(c ? 1 : 2), where)
                        : Math.max(value(list(arg).get(1), where), value(list(arg).get(2), where));
            }
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
        if ("AWS::NoValue".equals(name)) {
            return 0;
        }
        if (name.equals("Destination") && destination != null) {
            return json(destination);
        }
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
