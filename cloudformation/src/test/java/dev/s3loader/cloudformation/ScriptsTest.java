package dev.s3loader.cloudformation;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * scripts/package, scripts/deploy and scripts/destroy, run with bash: their help, their early and
 * clear failures (no AWS CLI, no credentials, no region, bad arguments), and what they ask the
 * AWS CLI to do, recorded by a fake {@code aws} on PATH.
 */
class ScriptsTest {
    private static final String FAKE_AWS = """
            #!/usr/bin/env bash
            # A stand-in for the AWS CLI: records its arguments, answers like the real one.
            printf '%s\\n' "$*" >> "$FAKE_AWS_LOG"
            case "$1 $2" in
              "sts get-caller-identity")
                if [ -n "${FAKE_NO_CREDENTIALS:-}" ]; then
                  echo 'Unable to locate credentials. You can configure credentials by running "aws configure".' >&2
                  exit 255
                fi
                printf '123456789012\\tarn:aws:iam::123456789012:user/tester\\n' ;;
              "configure get") [ -n "${FAKE_NO_REGION:-}" ] || echo eu-west-1 ;;
              "cloudformation deploy") touch "$FAKE_AWS_LOG.deployed" ;;
              "cloudformation describe-stacks")
                if [ -z "${FAKE_STACK:-}" ] && [ ! -e "$FAKE_AWS_LOG.deployed" ]; then
                  echo "An error occurred (ValidationError) when calling the DescribeStacks operation: Stack with id $4 does not exist" >&2
                  exit 254
                fi
                case "$*" in
                  *StackStatus*) echo UPDATE_COMPLETE ;;
                  *ParameterKey*) printf 'ArtifactsBucket\\tart-bucket\\nBatchSize\\t10\\nIncomingPrefix\\tincoming/\\nFailedPrefix\\tfailed/\\nDestination\\tcopy\\nConfigRevision\\tabc\\n' ;;
                  *OutputKey*) printf 'BucketName\\ts3l-bucket\\nBucketCreatedByStack\\ttrue\\nDeadLetterQueueUrl\\thttps://sqs.eu-west-1.amazonaws.com/123456789012/dlq\\n' ;;
                esac ;;
              "s3api list-objects-v2") echo 3 ;;
              "sqs get-queue-attributes") echo 0 ;;
            esac
            exit 0
            """;

    @TempDir
    static Path bin;
    private static String pathWithoutAws;
    private static String pathWithFakeAws;
    @TempDir
    Path tmp;
    private Path log;
    private Path artifacts;

    /** A PATH with every program of this one but aws, and one with the fake aws in front of it. */
    @BeforeAll
    static void paths() throws IOException {
        Path noAws = Files.createDirectory(bin.resolve("bin-without-aws"));
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
            File[] files = new File(dir).listFiles();
            for (File f : files == null ? new File[0] : files) {
                Path link = noAws.resolve(f.getName());
                if (!f.getName().equals("aws") && f.canExecute() && f.isFile() && !Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    Files.createSymbolicLink(link, f.toPath().toAbsolutePath());
                }
            }
        }
        pathWithoutAws = noAws.toString();
        Path fake = Files.createDirectory(bin.resolve("bin-fake-aws"));
        Path aws = fake.resolve("aws");
        Files.writeString(aws, FAKE_AWS);
        Files.setPosixFilePermissions(aws, PosixFilePermissions.fromString("rwxr-xr-x"));
        pathWithFakeAws = fake + File.pathSeparator + pathWithoutAws;
    }

    @BeforeEach
    void setUp() throws IOException {
        log = tmp.resolve("aws.log");
        Files.createFile(log);
        artifacts = tmp.resolve("artifacts.env");
    }

    @ParameterizedTest
    @ValueSource(strings = {"package", "deploy", "destroy"})
    void help_everyScript_printsItsUsageAndExitsZero(String script) throws Exception {
        Result r = run(pathWithoutAws, Map.of(), script, "--help");

        assertThat(r.exit).as(r.toString()).isZero();
        assertThat(r.out).startsWith("Usage: scripts/" + script).doesNotContain("set -euo");
        assertThat(r.err).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"package", "deploy", "destroy"})
    void withoutTheAwsCli_everyScript_failsEarlySayingSo(String script) throws Exception {
        Result r = run(pathWithoutAws, Map.of(), script, args(script));

        assertThat(r.exit).as(r.toString()).isEqualTo(1);
        assertThat(r.err).contains("the AWS CLI is not installed").contains("getting-started-install");
    }

    @ParameterizedTest
    @ValueSource(strings = {"package", "deploy", "destroy"})
    void withoutCredentials_everyScript_failsEarlySayingSo(String script) throws Exception {
        Result r = run(pathWithFakeAws, Map.of("FAKE_NO_CREDENTIALS", "1"), script, args(script));

        assertThat(r.exit).as(r.toString()).isEqualTo(1);
        assertThat(r.err).contains("no usable AWS credentials").contains("Unable to locate credentials")
                .contains("aws configure");
        assertThat(Files.readString(log)).doesNotContain("cloudformation").doesNotContain("s3 cp");
    }

    @ParameterizedTest
    @ValueSource(strings = {"package", "deploy", "destroy"})
    void withoutARegion_everyScript_failsEarlySayingSo(String script) throws Exception {
        Result r = run(pathWithFakeAws, Map.of("FAKE_NO_REGION", "1"), script, args(script));

        assertThat(r.exit).as(r.toString()).isEqualTo(1);
        assertThat(r.err).contains("no AWS region is set").contains("AWS_REGION");
    }

    @Test
    void package_putsTheRdsCaBundleIntoTheLoaderJar_sameBundleSameJar() throws Exception {
        Path loaderJar = tmp.resolve("loader.jar");
        Path listerJar = tmp.resolve("lister.jar");
        for (Path jar : List.of(loaderJar, listerJar)) {
            try (var zip = new java.util.zip.ZipOutputStream(Files.newOutputStream(jar))) {
                zip.putNextEntry(new java.util.zip.ZipEntry("dev/s3loader/A.class"));
                zip.write(new byte[] {1, 2, 3});
                zip.closeEntry();
            }
        }
        Path bundle = Repo.path("cloudformation", "src", "test", "resources", "test-ca.pem");
        Map<String, String> env = Map.of("S3LOADER_LOADER_JAR", loaderJar.toString(),
                "S3LOADER_LISTER_JAR", listerJar.toString(), "S3LOADER_RDS_CA_BUNDLE", bundle.toString(),
                "JAVA_HOME", System.getProperty("java.home"));

        Result first = run(pathWithFakeAws, env, "package", "--skip-build");
        byte[] once = Files.readAllBytes(loaderJar);
        Result second = run(pathWithFakeAws, env, "package", "--skip-build");

        assertThat(first.exit()).as(first.toString()).isZero();
        assertThat(second.exit()).as(second.toString()).isZero();
        try (var jar = new java.util.zip.ZipFile(loaderJar.toFile())) {
            var entry = jar.getEntry("rds/global-bundle.pem");
            assertThat(entry).as("rds/global-bundle.pem in the loader jar").isNotNull();
            assertThat(new String(jar.getInputStream(entry).readAllBytes(), StandardCharsets.UTF_8))
                    .isEqualTo(Files.readString(bundle));
        }
        assertThat(Files.readAllBytes(loaderJar)).as("the same bundle twice gives the same jar").isEqualTo(once);
        assertThat(first.out()).contains("added the RDS CA bundle");
    }

    @Test
    void deploy_withoutAStackName_isAUsageError() throws Exception {
        Result r = run(pathWithFakeAws, Map.of(), "deploy");

        assertThat(r.exit).isEqualTo(2);
        assertThat(r.err).contains("the stack name is missing").contains("--help");
    }

    @Test
    void deploy_unknownParameter_isAUsageErrorListingTheParameters() throws Exception {
        Result r = run(pathWithFakeAws, Map.of(), "deploy", "s3l-test", "BatchSiz=20");

        assertThat(r.exit).isEqualTo(2);
        assertThat(r.err).contains("unknown parameter 'BatchSiz'").contains("BatchSize").contains("MaxConcurrency");
        assertThat(Files.readString(log)).isEmpty();
    }

    @Test
    void deploy_newStackWithoutPackagedJars_failsSayingToRunPackage() throws Exception {
        Result r = run(pathWithFakeAws, Map.of(), "deploy", "s3l-test", "BatchSize=20");

        assertThat(r.exit).as(r.toString()).isEqualTo(1);
        assertThat(r.err).contains("a new stack needs ArtifactsBucket").contains("Run scripts/package first");
        assertThat(Files.readString(log)).doesNotContain("cloudformation deploy");
    }

    @Test
    void deploy_newStack_deploysTheTemplateWithThePackagedJarsAndTheOverrides_thenPrintsOutputs() throws Exception {
        // Arrange
        Files.writeString(artifacts, "ArtifactsBucket=art-bucket\nListerCodeKey=s3loader/lister-0011223344556677.jar\n"
                + "LoaderCodeKey=s3loader/loader-8899aabbccddeeff.jar\n");

        // Act
        Result r = run(pathWithFakeAws, Map.of(), "deploy", "s3l-test", "BatchSize=20", "MaximumBatchingWindowInSeconds=5");

        // Assert
        assertThat(r.exit).as(r.toString()).isZero();
        assertThat(r.out).contains("stack s3l-test, account 123456789012").contains("creation of a new stack")
                .contains("BatchSize=20").contains("ConfigRevision=");
        String deploy = line("cloudformation deploy");
        assertThat(deploy).contains("--stack-name s3l-test")
                .contains("--template-file " + Repo.path("cloudformation", "s3loader.yaml"))
                .contains("--s3-bucket art-bucket").contains("--capabilities CAPABILITY_IAM")
                .contains("--no-fail-on-empty-changeset")
                .contains("--parameter-overrides BatchSize=20 MaximumBatchingWindowInSeconds=5 ArtifactsBucket=art-bucket "
                        + "ListerCodeKey=s3loader/lister-0011223344556677.jar LoaderCodeKey=s3loader/loader-8899aabbccddeeff.jar "
                        + "ConfigRevision=");
        assertThat(Files.readString(log)).contains("cloudformation describe-stacks --stack-name s3l-test --query Stacks[0].Outputs");
    }

    @Test
    void deploy_configRevision_changesExactlyWhenTheListersSettingsChange() throws Exception {
        Files.writeString(artifacts, "ArtifactsBucket=art-bucket\nListerCodeKey=a/l.jar\nLoaderCodeKey=a/d.jar\n");

        String first = revision("MaxInFlightFiles=20");
        String again = revision("MaxInFlightFiles=20");
        String other = revision("MaxInFlightFiles=21");
        String loaderOnly = revision("MaxInFlightFiles=20", "BatchSize=5");

        assertThat(first).matches("[0-9a-f]{16}").isEqualTo(again).isEqualTo(loaderOnly).isNotEqualTo(other);
    }

    @Test
    void deploy_existingStack_keepsItsParametersAndUpdatesIt() throws Exception {
        Result r = run(pathWithFakeAws, Map.of("FAKE_STACK", "1"), "deploy", "s3l-test", "MaxConcurrency=8");

        assertThat(r.exit).as(r.toString()).isZero();
        assertThat(r.out).contains("update of the existing stack (UPDATE_COMPLETE)");
        assertThat(line("cloudformation deploy")).contains("--s3-bucket art-bucket")
                .contains("--parameter-overrides MaxConcurrency=8 ConfigRevision=");
    }

    @Test
    void deploy_parametersOption_listsExactlyTheTemplatesParameters() throws Exception {
        Result r = run(pathWithoutAws, Map.of(), "deploy", "--parameters");

        assertThat(r.exit).isZero();
        assertThat(r.out.lines().toList()).containsExactlyElementsOf(CfnTemplate.main().parameters().keySet());
    }

    @Test
    void destroy_withoutYesAndWithoutATerminal_refusesAfterSayingWhatItWouldLeave() throws Exception {
        Result r = run(pathWithFakeAws, Map.of("FAKE_STACK", "1"), "destroy", "s3l-test");

        assertThat(r.exit).as(r.toString()).isEqualTo(1);
        assertThat(r.out).contains("leaves:  the bucket s3://s3l-bucket, which the stack created and keeps")
                .contains("3 file(s) still in incoming/").contains("the artifacts bucket s3://art-bucket");
        assertThat(r.err).contains("Run with --yes");
        assertThat(Files.readString(log)).doesNotContain("delete-stack");
    }

    @Test
    void destroy_withYes_deletesTheStackAndSaysHowToRemoveWhatIsLeft() throws Exception {
        Result r = run(pathWithFakeAws, Map.of("FAKE_STACK", "1"), "destroy", "s3l-test", "--yes");

        assertThat(r.exit).as(r.toString()).isZero();
        assertThat(Files.readString(log)).contains("cloudformation delete-stack --stack-name s3l-test")
                .contains("cloudformation wait stack-delete-complete --stack-name s3l-test");
        assertThat(r.out).contains("aws s3 rb s3://s3l-bucket --force");
    }

    @Test
    void destroy_missingStack_failsSayingSo() throws Exception {
        Result r = run(pathWithFakeAws, Map.of(), "destroy", "s3l-test", "--yes");

        assertThat(r.exit).isEqualTo(1);
        assertThat(r.err).contains("there is no stack s3l-test in account 123456789012, region eu-west-1");
    }

    private String revision(String... overrides) throws Exception {
        List<String> args = new ArrayList<>(List.of("s3l-test"));
        args.addAll(List.of(overrides));
        Result r = run(pathWithFakeAws, Map.of(), "deploy", args.toArray(String[]::new));
        assertThat(r.exit).as(r.toString()).isZero();
        String deploy = line("cloudformation deploy");
        Files.writeString(log, "");
        Files.deleteIfExists(Path.of(log + ".deployed"));
        return deploy.replaceAll(".*ConfigRevision=([0-9a-f]+).*", "$1");
    }

    private String line(String prefix) throws IOException {
        return Files.readAllLines(log).stream().filter(l -> l.startsWith(prefix)).findFirst()
                .orElseThrow(() -> new AssertionError("the AWS CLI was not asked to '" + prefix + "'; it was asked:\n" + readLog()));
    }

    private String readLog() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static String[] args(String script) {
        return script.equals("package") ? new String[] {"--skip-build"} : new String[] {"s3l-test"};
    }

    record Result(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    private Result run(String path, Map<String, String> extra, String script, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("bash", Repo.path("scripts", script).toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(tmp.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Map<String, String> env = pb.environment();
        env.clear();
        env.putAll(new HashMap<>(Map.of("PATH", path, "HOME", tmp.toString(), "LANG", "C.UTF-8",
                "FAKE_AWS_LOG", log.toString(), "S3LOADER_ARTIFACTS_FILE", artifacts.toString())));
        env.putAll(extra);
        Path out = tmp.resolve("stdout");
        Path err = tmp.resolve("stderr");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("scripts/" + script + " did not finish within 60 s");
        }
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }
}
