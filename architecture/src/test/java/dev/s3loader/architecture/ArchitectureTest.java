package dev.s3loader.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import dev.s3loader.architecture.Modules.Module;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The architecture as tests, so that a change that breaks it fails the build.
 *
 * <p>It lives in a module of its own that the reactor builds last (its pom depends on every other
 * module) and reads every module's {@code target/classes} and {@code target/test-classes} from the
 * tree: so it sees all modules' test classes too, which no module's test classpath holds, and a
 * module the root pom gains is checked without a change here. The rules are written by package, so
 * they hold whichever module a package lives in.
 *
 * <ul>
 *   <li>Layering (main classes): model &lt;- clients &lt;- lister, loader &lt;- tools. The product's
 *       tests do use the tools (they run against the embedded servers), so the layering is
 *       checked on main code.</li>
 *   <li>Faces (main and test classes, and the source's import lines): no class outside a module
 *       uses that module's {@code ..internal..} classes; what another module needs is public.</li>
 * </ul>
 */
class ArchitectureTest {
    /** The tools: emulators, local mode, the demo, benchmarks, the operator's CLI. May use the product; never used by it. */
    private static final String[] TOOLS = {"dev.s3loader.embedded..", "dev.s3loader.local..", "dev.s3loader.ops..",
            "dev.s3loader.bench.."};
    private static final List<Module> MODULES = Modules.checked();
    private static JavaClasses main;
    private static JavaClasses mainAndTests;

    @BeforeAll
    static void importClasses() {
        // Two imports: a class's dependencies from others are those of its own import, so the layering
        // (main code only) must not see the test classes' dependencies on the tools.
        main = new ClassFileImporter().importPaths(existing(MODULES.stream().map(Module::classes)));
        mainAndTests = new ClassFileImporter().importPaths(existing(MODULES.stream()
                .flatMap(m -> Stream.of(m.classes(), m.testClasses()))));
    }

    @Test
    void everyModule_isBuiltBeforeThisCheck() {
        assertThat(Modules.dependenciesOfThisCheck())
                .as("architecture/pom.xml must depend on every module of the root pom, so that the reactor builds"
                        + " them first and this check reads fresh classes")
                .containsAll(MODULES.stream().map(Module::artifactId).toList());
        for (Module m : MODULES) {
            assertThat(Files.isDirectory(m.classes()) || Files.isDirectory(m.testClasses()))
                    .as(m.dir() + " has no compiled classes: build through the reactor (mvn -pl architecture -am test)")
                    .isTrue();
        }
        assertThat(main.size()).as("main classes read").isPositive();
        assertThat(mainAndTests.size()).as("main and test classes read").isGreaterThan(main.size());
    }

    @Test
    void product_isLayered_modelThenClientsThenListerAndLoader_toolsAbove() {
        layeredArchitecture().consideringOnlyDependenciesInAnyPackage("dev.s3loader..")
                .layer("model").definedBy("dev.s3loader.model..")
                .layer("clients").definedBy("dev.s3loader.clients..")
                .layer("lister").definedBy("dev.s3loader.lister..")
                // org.apache.parquet: the loader's one class in parquet-java's package (HadoopFreeReadOptions
                // reaches a package-private constructor), built into the loader's jar.
                .layer("loader").definedBy("dev.s3loader.loader..", "org.apache.parquet")
                .layer("tools").definedBy(TOOLS)
                .whereLayer("model").mayNotAccessAnyLayer()
                .whereLayer("clients").mayOnlyAccessLayers("model")
                .whereLayer("lister").mayOnlyAccessLayers("model", "clients")
                .whereLayer("loader").mayOnlyAccessLayers("model", "clients")
                .whereLayer("tools").mayNotBeAccessedByAnyLayer()
                // A package of a new module must be placed in a layer here before it builds.
                .ensureAllClassesAreContainedInArchitecture()
                .because("the product that runs on AWS (model <- clients <- lister, loader) stands apart from its tools")
                .check(main);
    }

    @Test
    void noClass_usesAnotherModulesInternalClasses() {
        classes().should(notUseAnotherModulesInternalClasses())
                .because("a module's internal package is its implementation: what another module needs is public")
                .check(mainAndTests);
    }

    /** Also the import lines themselves, which bytecode does not keep when nothing imported is used. */
    @Test
    void noSourceFile_importsAnotherModulesInternalPackage() throws IOException {
        Pattern packageLine = Pattern.compile("^package\\s+([\\w.]+)\\s*;", Pattern.MULTILINE);
        Pattern importLine = Pattern.compile(
                "^import\\s+(?:static\\s+)?(dev\\.s3loader\\.[\\w.]+?)\\.(?:[A-Z][\\w.]*(?:\\.\\*)?|\\*)\\s*;",
                Pattern.MULTILINE);
        List<String> violations = new ArrayList<>();
        int files = 0;
        for (Module m : MODULES) {
            for (Path source : Modules.javaSources(m)) {
                files++;
                String text = Files.readString(source);
                Matcher p = packageLine.matcher(text);
                if (!p.find()) {
                    continue;
                }
                String from = Modules.moduleOf(p.group(1));
                Matcher i = importLine.matcher(text);
                while (i.find()) {
                    String imported = i.group(1);
                    if (Modules.isInternal(imported) && !Modules.moduleOf(imported).equals(from)) {
                        violations.add(Modules.ROOT.relativize(source) + ": " + i.group().trim() + " (internal to "
                                + Modules.moduleOf(imported) + ", imported from " + from + ")");
                    }
                }
            }
        }
        assertThat(files).as("source files read").isPositive();
        assertThat(violations).as("imports of another module's internal package").isEmpty();
    }

    private static ArchCondition<JavaClass> notUseAnotherModulesInternalClasses() {
        return new ArchCondition<>("not use another module's ..internal.. classes") {
            @Override
            public void check(JavaClass origin, ConditionEvents events) {
                String from = Modules.moduleOf(origin.getPackageName());
                for (Dependency d : origin.getDirectDependenciesFromSelf()) {
                    String target = d.getTargetClass().getBaseComponentType().getPackageName();
                    if (Modules.isInternal(target) && !Modules.moduleOf(target).equals(from)) {
                        events.add(SimpleConditionEvent.violated(d, d.getDescription() + " [internal to "
                                + Modules.moduleOf(target) + ", used from " + from + "]"));
                    }
                }
            }
        };
    }

    private static List<Path> existing(Stream<Path> dirs) {
        return dirs.filter(Files::isDirectory).toList();
    }
}
