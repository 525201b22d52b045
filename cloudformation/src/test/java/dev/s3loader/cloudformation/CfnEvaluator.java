package dev.s3loader.cloudformation;

import static dev.s3loader.cloudformation.CfnTemplate.cast;
import static dev.s3loader.cloudformation.CfnTemplate.list;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Evaluates a template for one set of parameter values, the way CloudFormation would: parameter
 * constraints, rules, conditions and every intrinsic function. Resources resolve to realistic
 * placeholders (a queue's Ref is a queue URL, its Arn an SQS ARN), so that the configuration
 * parsers of the code accept them. Anything CloudFormation would reject is an {@link AssertionError}
 * naming what and where.
 */
final class CfnEvaluator {
    static final Object NO_VALUE = new Object() {
        @Override
        public String toString() {
            return "AWS::NoValue";
        }
    };
    static final String REGION = "eu-west-1";
    static final String ACCOUNT = "123456789012";
    static final String STACK = "s3l-test";
    static final Set<String> PSEUDO = Set.of("AWS::AccountId", "AWS::NotificationARNs", "AWS::NoValue",
            "AWS::Partition", "AWS::Region", "AWS::StackId", "AWS::StackName", "AWS::URLSuffix");
    private static final Pattern SUB_VARIABLE = Pattern.compile("\\$\\{([^}]*)}");

    /** Where the stack is deployed: the pseudo parameters that differ between AWS partitions. */
    record Partition(String region, String name, String urlSuffix) {
        static final Partition AWS = new Partition(REGION, "aws", "amazonaws.com");
        static final Partition CHINA = new Partition("cn-north-1", "aws-cn", "amazonaws.com.cn");
    }

    final CfnTemplate template;
    final Map<String, String> parameters;
    final Partition partition;
    private final Map<String, Boolean> conditions = new HashMap<>();

    /** @param overrides parameter values; every other parameter takes its default */
    CfnEvaluator(CfnTemplate template, Map<String, String> overrides) {
        this(template, overrides, Partition.AWS);
    }

    /** @param overrides parameter values; every other parameter takes its default */
    CfnEvaluator(CfnTemplate template, Map<String, String> overrides, Partition partition) {
        this.template = template;
        this.partition = partition;
        Map<String, String> values = new LinkedHashMap<>();
        for (String name : overrides.keySet()) {
            if (!template.parameters().containsKey(name)) {
                throw new AssertionError("no parameter " + name + " in the template");
            }
        }
        template.parameters().forEach((name, p) -> {
            Object v = overrides.containsKey(name) ? overrides.get(name) : cast(p).get("Default");
            if (v == null) {
                throw new AssertionError("parameter " + name + " has no default and no value was given");
            }
            values.put(name, scalar(v));
        });
        this.parameters = Map.copyOf(values);
        values.forEach(this::checkConstraints);
    }

    // ---- parameters and rules ------------------------------------------------------------------

    private void checkConstraints(String name, String value) {
        Map<String, Object> p = template.parameter(name);
        String type = (String) p.get("Type");
        String where = "parameter " + name + " = '" + value + "'";
        if (p.get("AllowedValues") != null) {
            List<String> allowed = list(p.get("AllowedValues")).stream().map(CfnEvaluator::scalar).toList();
            if (!allowed.contains(value)) {
                throw new AssertionError(where + " is not one of " + allowed);
            }
        }
        if (p.get("AllowedPattern") != null) {
            for (String item : type.startsWith("List") || type.equals("CommaDelimitedList") ? List.of(value.split(",", -1)) : List.of(value)) {
                if (!Pattern.compile((String) p.get("AllowedPattern")).matcher(item).matches()) {
                    throw new AssertionError(where + " does not match " + p.get("AllowedPattern"));
                }
            }
        }
        if ("Number".equals(type)) {
            double d;
            try {
                d = Double.parseDouble(value);
            } catch (NumberFormatException e) {
                throw new AssertionError(where + " is not a number");
            }
            if (p.get("MinValue") != null && d < Double.parseDouble(scalar(p.get("MinValue")))) {
                throw new AssertionError(where + " is below MinValue " + p.get("MinValue"));
            }
            if (p.get("MaxValue") != null && d > Double.parseDouble(scalar(p.get("MaxValue")))) {
                throw new AssertionError(where + " is above MaxValue " + p.get("MaxValue"));
            }
        }
        if (p.get("MinLength") != null && value.length() < Integer.parseInt(scalar(p.get("MinLength")))) {
            throw new AssertionError(where + " is shorter than MinLength " + p.get("MinLength"));
        }
        if (p.get("MaxLength") != null && value.length() > Integer.parseInt(scalar(p.get("MaxLength")))) {
            throw new AssertionError(where + " is longer than MaxLength " + p.get("MaxLength"));
        }
    }

    /** The assertion descriptions of the template's Rules these parameter values break. */
    List<String> brokenRules() {
        List<String> broken = new ArrayList<>();
        template.rules().forEach((name, r) -> {
            Map<String, Object> rule = cast(r);
            if (rule.get("RuleCondition") != null && !bool(resolve(rule.get("RuleCondition"), "Rules." + name))) {
                return;
            }
            for (Object a : list(rule.get("Assertions"))) {
                Map<String, Object> assertion = cast(a);
                if (!bool(resolve(assertion.get("Assert"), "Rules." + name))) {
                    broken.add(name + ": " + assertion.get("AssertDescription"));
                }
            }
        });
        return broken;
    }

    // ---- conditions and resources --------------------------------------------------------------

    boolean condition(String name) {
        Boolean known = conditions.get(name);
        if (known != null) {
            return known;
        }
        Object c = template.conditions().get(name);
        if (c == null) {
            throw new AssertionError("no condition " + name + " in the template");
        }
        boolean value = bool(resolve(c, "Conditions." + name));
        conditions.put(name, value);
        return value;
    }

    /** Whether the resource is created with these parameters (its Condition, if any, holds). */
    boolean exists(String resourceId) {
        Object c = template.resource(resourceId).get("Condition");
        return c == null || condition((String) c);
    }

    /** The resource's Properties with every intrinsic function evaluated. */
    Map<String, Object> properties(String resourceId) {
        if (!exists(resourceId)) {
            throw new AssertionError(resourceId + " is not created with these parameters");
        }
        Object p = template.resource(resourceId).get("Properties");
        return p == null ? Map.of() : cast(resolve(p, "Resources." + resourceId + ".Properties"));
    }

    /** The outputs created with these parameters, evaluated. */
    Map<String, Object> outputs() {
        Map<String, Object> out = new LinkedHashMap<>();
        template.outputs().forEach((name, o) -> {
            Map<String, Object> output = cast(o);
            if (output.get("Condition") == null || condition((String) output.get("Condition"))) {
                out.put(name, resolve(output.get("Value"), "Outputs." + name));
            }
        });
        return out;
    }

    // ---- intrinsic functions -------------------------------------------------------------------

    Object resolve(Object node, String where) {
        String fn = CfnTemplate.intrinsic(node);
        if (fn != null) {
            Object arg = cast(node).get(fn);
            try {
                return function(fn, arg, where);
            } catch (AssertionError e) {
                throw e;
            } catch (RuntimeException e) {
                throw new AssertionError(where + ": " + fn + " " + arg + ": " + e.getMessage(), e);
            }
        }
        if (node instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (var e : m.entrySet()) {
                Object v = resolve(e.getValue(), where + "." + e.getKey());
                if (v != NO_VALUE) {
                    out.put((String) e.getKey(), v);
                }
            }
            return out;
        }
        if (node instanceof List<?> l) {
            List<Object> out = new ArrayList<>();
            for (int i = 0; i < l.size(); i++) {
                Object v = resolve(l.get(i), where + "[" + i + "]");
                if (v != NO_VALUE) {
                    out.add(v);
                }
            }
            return out;
        }
        return node;
    }

    private Object function(String fn, Object arg, String where) {
        return switch (fn) {
            case "Ref" -> ref((String) arg, where);
            case "Condition" -> condition((String) arg);
            case "Fn::GetAtt" -> {
                List<Object> a = list(arg);
                yield getAtt(scalar(resolve(a.get(0), where)), scalar(resolve(a.get(1), where)), where);
            }
            case "Fn::Sub" -> sub(arg, where);
            case "Fn::Join" -> {
                List<Object> a = list(arg);
                String delimiter = scalar(a.get(0));
                yield String.join(delimiter, list(resolve(a.get(1), where)).stream().map(CfnEvaluator::scalar).toList());
            }
            case "Fn::Select" -> {
                List<Object> a = list(arg);
                yield list(resolve(a.get(1), where)).get(Integer.parseInt(scalar(resolve(a.get(0), where))));
            }
            case "Fn::Split" -> {
                List<Object> a = list(arg);
                yield List.of(scalar(resolve(a.get(1), where)).split(Pattern.quote(scalar(a.get(0))), -1));
            }
            case "Fn::If" -> {
                List<Object> a = list(arg);
                yield condition((String) a.get(0)) ? resolve(a.get(1), where) : resolve(a.get(2), where);
            }
            case "Fn::Equals" -> {
                List<Object> a = list(arg);
                yield scalarOrList(resolve(a.get(0), where)).equals(scalarOrList(resolve(a.get(1), where)));
            }
            case "Fn::Not" -> !bool(resolve(list(arg).get(0), where));
            case "Fn::And" -> list(arg).stream().allMatch(c -> bool(resolve(c, where)));
            case "Fn::Or" -> list(arg).stream().anyMatch(c -> bool(resolve(c, where)));
            case "Fn::Contains" -> {
                List<Object> a = list(arg);
                yield list(resolve(a.get(0), where)).stream().map(CfnEvaluator::scalar).toList()
                        .contains(scalar(resolve(a.get(1), where)));
            }
            case "Fn::EachMemberEquals" -> {
                List<Object> a = list(arg);
                String v = scalar(resolve(a.get(1), where));
                yield list(resolve(a.get(0), where)).stream().allMatch(x -> scalar(x).equals(v));
            }
            case "Fn::EachMemberIn" -> {
                List<Object> a = list(arg);
                List<String> allowed = list(resolve(a.get(1), where)).stream().map(CfnEvaluator::scalar).toList();
                yield list(resolve(a.get(0), where)).stream().allMatch(x -> allowed.contains(scalar(x)));
            }
            case "Fn::FindInMap" -> {
                List<Object> a = list(arg);
                String map = scalar(resolve(a.get(0), where));
                String top = scalar(resolve(a.get(1), where));
                String second = scalar(resolve(a.get(2), where));
                Object m = template.mappings().get(map);
                if (m == null) {
                    throw new AssertionError(where + ": no mapping " + map);
                }
                Object level = cast(m).get(top);
                if (level == null) {
                    throw new AssertionError(where + ": mapping " + map + " has no key '" + top + "'");
                }
                Object v = cast(level).get(second);
                if (v == null) {
                    throw new AssertionError(where + ": mapping " + map + "." + top + " has no key '" + second + "'");
                }
                yield v;
            }
            case "Fn::Base64" -> Base64.getEncoder().encodeToString(scalar(resolve(arg, where)).getBytes(StandardCharsets.UTF_8));
            case "Fn::GetAZs" -> List.of(partition.region() + "a", partition.region() + "b", partition.region() + "c");
            default -> throw new AssertionError(where + ": " + fn + " is not supported by this evaluator");
        };
    }

    Object ref(String name, String where) {
        if (PSEUDO.contains(name)) {
            return switch (name) {
                case "AWS::AccountId" -> ACCOUNT;
                case "AWS::Region" -> partition.region();
                case "AWS::Partition" -> partition.name();
                case "AWS::StackName" -> STACK;
                case "AWS::StackId" -> "arn:" + partition.name() + ":cloudformation:" + partition.region() + ":" + ACCOUNT + ":stack/" + STACK + "/0000";
                case "AWS::URLSuffix" -> partition.urlSuffix();
                case "AWS::NotificationARNs" -> List.of();
                default -> NO_VALUE;
            };
        }
        if (parameters.containsKey(name)) {
            String type = (String) template.parameter(name).get("Type");
            String value = parameters.get(name);
            return type.startsWith("List<") || type.equals("CommaDelimitedList") ? List.of(value.split(",", -1)) : value;
        }
        if (template.resources().containsKey(name)) {
            if (!exists(name)) {
                throw new AssertionError(where + ": Ref to " + name + ", which is not created with these parameters");
            }
            return Placeholders.ref(this, name);
        }
        throw new AssertionError(where + ": Ref to unknown " + name);
    }

    Object getAtt(String resourceId, String attribute, String where) {
        if (!template.resources().containsKey(resourceId)) {
            throw new AssertionError(where + ": GetAtt of unknown resource " + resourceId);
        }
        if (!exists(resourceId)) {
            throw new AssertionError(where + ": GetAtt of " + resourceId + ", which is not created with these parameters");
        }
        return Placeholders.attribute(this, resourceId, attribute, where);
    }

    private String sub(Object arg, String where) {
        String text;
        Map<String, Object> variables = Map.of();
        if (arg instanceof List<?> l) {
            text = (String) l.get(0);
            variables = cast(resolve(l.get(1), where));
        } else {
            text = (String) arg;
        }
        Matcher m = SUB_VARIABLE.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String name = m.group(1);
            String value;
            if (name.startsWith("!")) {
                value = "${" + name.substring(1) + "}";
            } else if (variables.containsKey(name)) {
                value = scalar(variables.get(name));
            } else if (name.contains(".") && !name.startsWith("AWS::")) {
                int dot = name.indexOf('.');
                value = scalar(getAtt(name.substring(0, dot), name.substring(dot + 1), where));
            } else {
                value = scalar(ref(name, where));
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** The variables a Fn::Sub string names, without the literal {@code ${!...}} ones. */
    static List<String> subVariables(String text) {
        List<String> names = new ArrayList<>();
        Matcher m = SUB_VARIABLE.matcher(text);
        while (m.find()) {
            if (!m.group(1).startsWith("!")) {
                names.add(m.group(1));
            }
        }
        return names;
    }

    static String scalar(Object v) {
        if (v instanceof String s) {
            return s;
        }
        if (v instanceof Number || v instanceof Boolean) {
            return String.valueOf(v);
        }
        throw new AssertionError("expected a string, number or boolean, got " + v);
    }

    private static Object scalarOrList(Object v) {
        return v instanceof List<?> l ? l.stream().map(CfnEvaluator::scalar).toList() : scalar(v);
    }

    private static boolean bool(Object v) {
        if (v instanceof Boolean b) {
            return b;
        }
        throw new AssertionError("expected a condition (true/false), got " + v);
    }
}
