package dev.s3loader.cloudformation;

import static dev.s3loader.cloudformation.CfnTemplate.cast;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.AbstractMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every environment variable a function reads at start-up is set on it by the template, and no
 * function is given one it does not read. What is read is not listed by hand: the configuration
 * readers the handler's code calls ({@code ListerConfig.fromEnv}, {@code LoaderConfig.fromEnv},
 * found in the compiled code) run on the template's environment through a map that records every
 * name they look up.
 */
class EnvironmentTest {
    private static final CfnTemplate T = CfnTemplate.main();
    /** Set by the Lambda runtime itself; the template may not set them and the code may read them. */
    static final Set<String> LAMBDA_RUNTIME = Set.of("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_EXECUTION_ENV",
            "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
            "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
            "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
            "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR", "_HANDLER", "_X_AMZN_TRACE_ID", "TZ");

    static List<Scenario> scenarios() {
        return Scenario.all();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void environment_everyFunction_setsExactlyWhatItsConfigurationReads(Scenario scenario) {
        CfnEvaluator ev = scenario.evaluate(T);
        for (String function : T.resourcesOfType("AWS::Lambda::Function")) {
            // Arrange
            Map<String, Object> props = ev.properties(function);
            String handler = (String) props.get("Handler");
            Map<String, String> environment = environment(props);
            var code = FunctionCode.scan(handler);
            assertThat(code.configReaders()).as("%s (%s) reads no configuration with a fromEnv(Map)", function, handler)
                    .isNotEmpty();

            // Act
            RecordingMap recording = new RecordingMap(environment);
            for (String reader : code.configReaders()) {
                read(reader, recording, function, scenario);
            }

            // Assert
            assertThat(recording.iterated).as("%s: a fromEnv iterated over the whole environment, so the names it "
                    + "reads cannot be told apart", function).isFalse();
            Set<String> set = new TreeSet<>(environment.keySet());
            Set<String> read = new TreeSet<>(recording.read);
            Set<String> notSet = new TreeSet<>(read);
            notSet.removeAll(set);
            Set<String> notRead = new TreeSet<>(set);
            notRead.removeAll(read);
            assertThat(notSet).as("%s [%s]: variables %s reads but s3loader.yaml does not set on the function",
                    function, scenario, code.configReaders()).isEmpty();
            assertThat(notRead).as("%s [%s]: variables s3loader.yaml sets but %s never reads",
                    function, scenario, code.configReaders()).isEmpty();
        }
    }

    @Test
    void environment_namesReadDirectlyWithGetenv_areSetByTheTemplateOrTheLambdaRuntime() {
        CfnEvaluator ev = Scenario.of("defaults").evaluate(T);
        for (String function : T.resourcesOfType("AWS::Lambda::Function")) {
            Map<String, Object> props = ev.properties(function);
            var code = FunctionCode.scan((String) props.get("Handler"));
            Set<String> unknown = new TreeSet<>(code.environmentNames());
            unknown.removeAll(LAMBDA_RUNTIME);
            unknown.removeAll(environment(props).keySet());

            assertThat(unknown).as("%s: System.getenv(...) of names neither the template nor Lambda sets ('?' = not a "
                    + "constant; read configuration through a fromEnv(Map) instead)", function).isEmpty();
        }
    }

    @Test
    void environment_noFunction_setsAReservedName() {
        CfnEvaluator ev = Scenario.of("defaults").evaluate(T);
        for (String function : T.resourcesOfType("AWS::Lambda::Function")) {
            assertThat(environment(ev.properties(function)).keySet()).as(function)
                    .allSatisfy(name -> assertThat(name).matches("[A-Z][A-Z0-9_]*").doesNotStartWith("AWS_")
                            .isNotIn(LAMBDA_RUNTIME));
        }
    }

    @Test
    void recordingMap_recordsEveryLookUp() {
        RecordingMap m = new RecordingMap(Map.of("A", "1"));
        Map<String, String> wrapped = java.util.Collections.unmodifiableMap(m);

        wrapped.get("A");
        wrapped.getOrDefault("B", "x");
        wrapped.containsKey("C");

        assertThat(m.read).containsExactlyInAnyOrder("A", "B", "C");
        assertThat(m.iterated).isFalse();
    }

    static Map<String, String> environment(Map<String, Object> functionProperties) {
        Object env = functionProperties.get("Environment");
        if (env == null) {
            return Map.of();
        }
        Map<String, String> out = new LinkedHashMap<>();
        cast(cast(env).get("Variables")).forEach((k, v) -> out.put(k, CfnEvaluator.scalar(v)));
        return out;
    }

    private static void read(String readerClass, Map<String, String> environment, String function, Scenario scenario) {
        try {
            Method fromEnv = Class.forName(readerClass).getMethod("fromEnv", Map.class);
            fromEnv.invoke(null, environment);
        } catch (InvocationTargetException e) {
            fail(function + " [" + scenario + "]: " + readerClass + ".fromEnv rejects the environment the template sets: "
                    + e.getCause().getMessage(), e.getCause());
        } catch (ReflectiveOperationException e) {
            fail(readerClass + ".fromEnv(Map) is not on the test classpath (the model module): " + e, e);
        }
    }

    /** A map that records the keys looked up in it. */
    static final class RecordingMap extends AbstractMap<String, String> {
        final Map<String, String> values;
        final Set<String> read = new TreeSet<>();
        boolean iterated;

        RecordingMap(Map<String, String> values) {
            this.values = values;
        }

        @Override
        public String get(Object key) {
            read.add((String) key);
            return values.get(key);
        }

        @Override
        public boolean containsKey(Object key) {
            read.add((String) key);
            return values.containsKey(key);
        }

        @Override
        public String getOrDefault(Object key, String fallback) {
            read.add((String) key);
            return values.getOrDefault(key, fallback);
        }

        @Override
        public int size() {
            return values.size();
        }

        @Override
        public Set<Entry<String, String>> entrySet() {
            iterated = true;
            return values.entrySet();
        }
    }
}
