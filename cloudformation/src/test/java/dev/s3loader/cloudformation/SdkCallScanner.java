package dev.s3loader.cloudformation;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.FieldVisitor;
import org.objectweb.asm.Handle;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

/**
 * Reads compiled classes and finds the AWS SDK calls they make: every invocation of an instance
 * method of an SDK service client interface ({@code software/amazon/awssdk/services/<service>/*Client},
 * sync or async), whether called directly or passed as a method reference ({@code s3::listObjectsV2}),
 * paginator methods included. It starts from root classes (the Lambda handler) and follows every
 * class of the project they reference, so code the handler cannot reach (a main class, the
 * long-lived poller) does not count.
 */
final class SdkCallScanner {
    static final Pattern CLIENT = Pattern.compile("software/amazon/awssdk/services/([a-z0-9]+)/[A-Za-z0-9]+Client");
    /** The S3 transfer manager issues S3 calls of its own; it must be mapped before it can be used. */
    static final Pattern TRANSFER_MANAGER = Pattern.compile("software/amazon/awssdk/transfer/.+");
    private static final Pattern DESCRIPTOR_CLASS = Pattern.compile("L([^;<]+)[;<]");

    /** An SDK call found in the code. */
    record SdkCall(String service, String method, String caller) {
        /** The API operation: {@code listObjectsV2Paginator} is ListObjectsV2, {@code copyObject} CopyObject. */
        String operation() {
            String m = method.endsWith("Paginator") ? method.substring(0, method.length() - "Paginator".length()) : method;
            return m.substring(0, 1).toUpperCase(Locale.ROOT) + m.substring(1);
        }

        String key() {
            return service + ":" + operation();
        }
    }

    /**
     * What a scan found.
     *
     * @param reachable       the project classes scanned
     * @param calls           SDK calls, sorted
     * @param environmentNames names read with {@code System.getenv(String)} ("?" where not a constant)
     * @param stringConstants string constants (literals and constant fields) of the reachable classes
     * @param constantFields  per class, its {@code static final String} constant fields
     * @param configReaders   project classes whose static {@code fromEnv(Map)} the code calls
     */
    record Result(Set<String> reachable, List<SdkCall> calls, Set<String> environmentNames, Set<String> stringConstants,
                  Map<String, Map<String, String>> constantFields, Set<String> configReaders) {
    }

    private SdkCallScanner() {
    }

    /**
     * @param classes  internal name to class bytes (e.g. a jar's)
     * @param roots    internal names of the entry points
     * @param excluded internal-name prefixes left out entirely (neither scanned nor followed)
     */
    static Result scan(Map<String, byte[]> classes, Set<String> roots, List<String> excluded) {
        Set<String> reachable = new TreeSet<>();
        Set<String> calls = new TreeSet<>();
        List<SdkCall> found = new java.util.ArrayList<>();
        Set<String> env = new TreeSet<>();
        Set<String> strings = new TreeSet<>();
        Map<String, Map<String, String>> constants = new TreeMap<>();
        Set<String> readers = new TreeSet<>();
        Deque<String> queue = new ArrayDeque<>();
        for (String root : roots) {
            if (!classes.containsKey(root)) {
                throw new AssertionError("class " + root.replace('/', '.') + " is not in the scanned code");
            }
            queue.add(root);
        }
        while (!queue.isEmpty()) {
            String name = queue.poll();
            if (!classes.containsKey(name) || !reachable.add(name)) {
                continue;
            }
            ClassScan scan = new ClassScan(name);
            new ClassReader(classes.get(name)).accept(scan, ClassReader.SKIP_FRAMES);
            for (String ref : scan.references) {
                if (ref.startsWith(CodeJars.PROJECT_PACKAGE) && excluded.stream().noneMatch(ref::startsWith)) {
                    queue.add(ref);
                }
            }
            for (SdkCall c : scan.calls) {
                if (calls.add(c.service() + " " + c.method() + " " + c.caller())) {
                    found.add(c);
                }
            }
            env.addAll(scan.environment);
            readers.addAll(scan.configReaders);
            strings.addAll(scan.strings);
            if (!scan.constantFields.isEmpty()) {
                constants.put(name, scan.constantFields);
            }
        }
        found.sort(java.util.Comparator.comparing(SdkCall::key).thenComparing(SdkCall::caller));
        return new Result(reachable, List.copyOf(found), env, strings, constants, readers);
    }

    private static final class ClassScan extends ClassVisitor {
        final String name;
        final Set<String> references = new TreeSet<>();
        final List<SdkCall> calls = new java.util.ArrayList<>();
        final Set<String> environment = new TreeSet<>();
        final Set<String> strings = new TreeSet<>();
        final Map<String, String> constantFields = new TreeMap<>();
        final Set<String> configReaders = new TreeSet<>();

        ClassScan(String name) {
            super(Opcodes.ASM9);
            this.name = name;
        }

        void type(String internalNameOrDescriptor) {
            if (internalNameOrDescriptor == null) {
                return;
            }
            String s = internalNameOrDescriptor;
            if (s.startsWith("[") || s.startsWith("(") || s.contains(";")) {
                Matcher m = DESCRIPTOR_CLASS.matcher(s);
                while (m.find()) {
                    references.add(m.group(1));
                }
            } else {
                references.add(s);
            }
        }

        void call(String owner, String method, String caller) {
            Matcher m = CLIENT.matcher(owner);
            if (m.matches()) {
                calls.add(new SdkCall(m.group(1), method, caller));
            } else if (TRANSFER_MANAGER.matcher(owner).matches()) {
                calls.add(new SdkCall("transfer", owner.substring(owner.lastIndexOf('/') + 1) + "." + method, caller));
            }
        }

        @Override
        public void visit(int version, int access, String name, String signature, String superName, String[] interfaces) {
            type(superName);
            type(signature);
            if (interfaces != null) {
                for (String i : interfaces) {
                    type(i);
                }
            }
        }

        @Override
        public void visitOuterClass(String owner, String name, String descriptor) {
            type(owner);
        }

        @Override
        public void visitNestHost(String nestHost) {
            type(nestHost);
        }

        @Override
        public FieldVisitor visitField(int access, String field, String descriptor, String signature, Object value) {
            type(descriptor);
            type(signature);
            if (value instanceof String s) {
                strings.add(s);
                if ((access & Opcodes.ACC_STATIC) != 0 && (access & Opcodes.ACC_FINAL) != 0) {
                    constantFields.put(field, s);
                }
            }
            return null;
        }

        @Override
        public MethodVisitor visitMethod(int access, String method, String descriptor, String signature, String[] exceptions) {
            type(descriptor);
            type(signature);
            if (exceptions != null) {
                for (String e : exceptions) {
                    type(e);
                }
            }
            String caller = name.replace('/', '.') + "#" + method;
            return new MethodVisitor(Opcodes.ASM9) {
                private String lastString;

                @Override
                public void visitLdcInsn(Object value) {
                    lastString = null;
                    if (value instanceof String s) {
                        strings.add(s);
                        lastString = s;
                    } else if (value instanceof Type t) {
                        type(t.getDescriptor());
                    }
                }

                @Override
                public void visitMethodInsn(int opcode, String owner, String m, String desc, boolean isInterface) {
                    type(owner);
                    type(desc);
                    if (opcode != Opcodes.INVOKESTATIC) {
                        call(owner, m, caller);
                    } else if (m.equals("fromEnv") && desc.startsWith("(Ljava/util/Map;)")
                            && owner.startsWith(CodeJars.PROJECT_PACKAGE)) {
                        configReaders.add(owner.replace('/', '.'));
                    } else if (owner.equals("java/lang/System") && m.equals("getenv")
                            && desc.equals("(Ljava/lang/String;)Ljava/lang/String;")) {
                        environment.add(lastString != null ? lastString : "?");
                    }
                    lastString = null;
                }

                @Override
                public void visitInvokeDynamicInsn(String n, String desc, Handle bootstrap, Object... args) {
                    type(desc);
                    for (Object a : args) {
                        if (a instanceof Handle h) {
                            type(h.getOwner());
                            type(h.getDesc());
                            if (h.getTag() != Opcodes.H_INVOKESTATIC) {
                                call(h.getOwner(), h.getName(), caller);
                            }
                        } else if (a instanceof Type t) {
                            type(t.getDescriptor());
                        } else if (a instanceof String s) {
                            strings.add(s);
                        }
                    }
                    lastString = null;
                }

                @Override
                public void visitTypeInsn(int opcode, String t) {
                    type(t);
                    lastString = null;
                }

                @Override
                public void visitFieldInsn(int opcode, String owner, String f, String desc) {
                    type(owner);
                    type(desc);
                    lastString = null;
                }

                @Override
                public void visitMultiANewArrayInsn(String desc, int dims) {
                    type(desc);
                }

                @Override
                public void visitTryCatchBlock(Label start, Label end, Label handler, String t) {
                    type(t);
                }

                @Override
                public void visitLocalVariable(String n, String desc, String sig, Label s, Label e, int index) {
                    type(desc);
                    type(sig);
                }

                @Override
                public void visitInsn(int opcode) {
                    lastString = null;
                }

                @Override
                public void visitVarInsn(int opcode, int var) {
                    lastString = null;
                }

                @Override
                public void visitIntInsn(int opcode, int operand) {
                    lastString = null;
                }

                @Override
                public void visitJumpInsn(int opcode, Label label) {
                    lastString = null;
                }
            };
        }
    }
}
