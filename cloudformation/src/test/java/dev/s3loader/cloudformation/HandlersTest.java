package dev.s3loader.cloudformation;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/**
 * The handler each function names exists in the jar the function deploys, with what the Java
 * runtime needs: a public class with a public no-argument constructor and a public instance
 * handler method taking (event, Context), every type of its signature inside the jar, and class
 * files the function's runtime can load.
 */
class HandlersTest {
    private static final CfnTemplate T = CfnTemplate.main();
    private static final Map<String, Integer> MAX_CLASS_VERSION = Map.of("java21", 65, "java17", 61, "java11", 55);
    private static final Pattern DESCRIPTOR_CLASS = Pattern.compile("L([^;<]+)[;<]");

    @Test
    void handlers_namedByTheTemplate_existInTheBuiltJars() {
        CfnEvaluator ev = Scenario.of("defaults").evaluate(T);
        List<String> functions = T.resourcesOfType("AWS::Lambda::Function");
        assertThat(functions).isNotEmpty();
        for (String function : functions) {
            // Arrange
            Map<String, Object> props = ev.properties(function);
            String handler = (String) props.get("Handler");
            String cls = FunctionCode.handlerClass(handler).replace('.', '/');
            String method = FunctionCode.handlerMethod(handler);
            Path jar = CodeJars.jarFor(FunctionCode.handlerClass(handler));
            Map<String, byte[]> classes = CodeJars.classes(jar);

            // Act
            assertThat(classes).as("%s: handler class %s in %s", function, cls, jar).containsKey(cls);
            HandlerShape shape = new HandlerShape(method);
            new ClassReader(classes.get(cls)).accept(shape, ClassReader.SKIP_CODE);

            // Assert
            assertThat(shape.publicClass).as("%s: %s is public", function, cls).isTrue();
            assertThat(shape.publicNoArgConstructor).as("%s: %s has a public no-argument constructor", function, cls).isTrue();
            assertThat(shape.handlerDescriptors).as("%s: %s has a public instance method %s(event, Context)", function, cls, method)
                    .anyMatch(d -> d.contains(";Lcom/amazonaws/services/lambda/runtime/Context;)"));
            List<String> missing = new ArrayList<>();
            for (String d : shape.handlerDescriptors) {
                Matcher m = DESCRIPTOR_CLASS.matcher(d);
                while (m.find()) {
                    if (!m.group(1).startsWith("java/") && !classes.containsKey(m.group(1))) {
                        missing.add(m.group(1));
                    }
                }
            }
            assertThat(missing).as("%s: types of the handler's signature missing from %s", function, jar).isEmpty();
        }
    }

    @Test
    void classes_ofEachJar_loadOnTheFunctionsRuntime() {
        CfnEvaluator ev = Scenario.of("defaults").evaluate(T);
        for (String function : T.resourcesOfType("AWS::Lambda::Function")) {
            Map<String, Object> props = ev.properties(function);
            String runtime = (String) props.get("Runtime");
            assertThat(MAX_CLASS_VERSION).as("%s: runtime %s", function, runtime).containsKey(runtime);
            Path jar = CodeJars.jarFor(FunctionCode.handlerClass((String) props.get("Handler")));
            List<String> tooNew = new ArrayList<>();
            CodeJars.classes(jar, CodeJars.PROJECT_PACKAGE).forEach((name, bytes) -> {
                int major = ((bytes[6] & 0xff) << 8) | (bytes[7] & 0xff);
                if (major > MAX_CLASS_VERSION.get(runtime)) {
                    tooNew.add(name + " (class version " + major + ")");
                }
            });
            assertThat(tooNew).as("%s: classes %s cannot load", function, runtime).isEmpty();
        }
    }

    @Test
    void handlers_ofDifferentFunctions_areDifferentClasses() {
        Set<String> seen = new java.util.HashSet<>();
        for (String function : T.resourcesOfType("AWS::Lambda::Function")) {
            assertThat(seen.add((String) T.properties(function).get("Handler"))).as(function).isTrue();
        }
    }

    private static final class HandlerShape extends ClassVisitor {
        final String method;
        boolean publicClass;
        boolean publicNoArgConstructor;
        final List<String> handlerDescriptors = new ArrayList<>();

        HandlerShape(String method) {
            super(Opcodes.ASM9);
            this.method = method;
        }

        @Override
        public void visit(int version, int access, String name, String signature, String superName, String[] interfaces) {
            publicClass = (access & Opcodes.ACC_PUBLIC) != 0 && (access & Opcodes.ACC_ABSTRACT) == 0;
        }

        @Override
        public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
            boolean isPublic = (access & Opcodes.ACC_PUBLIC) != 0;
            if (name.equals("<init>") && descriptor.equals("()V") && isPublic) {
                publicNoArgConstructor = true;
            }
            if (name.equals(method) && isPublic && (access & Opcodes.ACC_STATIC) == 0 && (access & Opcodes.ACC_BRIDGE) == 0) {
                handlerDescriptors.add(descriptor);
            }
            return null;
        }
    }
}
