package dev.s3loader.cloudformation;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * scripts/deploy over a stack's life, against a fake {@code aws} that keeps the stack's parameters
 * the way CloudFormation does: a create takes the template's defaults (read here by the checks'
 * own YAML parser, not by the script), an update keeps the values not given, and a deploy whose
 * parameters change nothing is an empty change set. The lister's version is replaced exactly when
 * ConfigRevision changes, so these tests watch it.
 */
class DeployScriptTest {
    private static final String FAKE_AWS = """
            #!/usr/bin/env bash
            # A stand-in for the AWS CLI that remembers one stack in $FAKE_STATE.
            printf '%s\\n' "$*" >> "$FAKE_STATE/calls"
            s="$FAKE_STATE"
            case "$1 $2" in
              "sts get-caller-identity") printf '123456789012\\tarn:aws:iam::123456789012:user/tester\\n' ;;
              "configure get") echo eu-west-1 ;;
              "cloudformation describe-stacks")
                if [ ! -e "$s/status" ]; then
                  echo "An error occurred (ValidationError) when calling the DescribeStacks operation: Stack with id $4 does not exist" >&2
                  exit 254
                fi
                case "$*" in
                  *StackStatus*) cat "$s/status" ;;
                  *ParameterKey*)
                    if [ -n "${FAKE_PARAMETERS_FAIL:-}" ]; then
                      echo "An error occurred (Throttling) when calling the DescribeStacks operation: Rate exceeded" >&2
                      exit 254
                    fi
                    cat "$s/params" ;;
                  *OutputKey*) printf 'BucketName\\ts3l-bucket\\n' ;;
                esac ;;
              "iam list-roles")
                # The ECS service-linked role, at the path AWS documents.
                [ ! -e "$s/slr" ] || echo AWSServiceRoleForECS ;;
              "iam create-service-linked-role")
                if [ -n "${FAKE_SLR_TAKEN:-}" ]; then
                  echo "An error occurred (InvalidInput) when calling the CreateServiceLinkedRole operation: Service role name AWSServiceRoleForECS has been taken in this account, please try a different suffix." >&2
                  exit 254
                fi
                touch "$s/slr"
                echo '{"Role": {"RoleName": "AWSServiceRoleForECS"}}' ;;
              "cloudformation describe-stack-events")
                # One failure of this deployment, one of an earlier one.
                printf '%s.000000+00:00\\tListerVersion\\tUPDATE_FAILED\\tA version for this Lambda function exists ( 3 ). Modify the function to create a new version.\\n' "$(date -u +%Y-%m-%dT%H:%M:%S)"
                printf '2020-01-01T00:00:00.000000+00:00\\tLoaderFunction\\tCREATE_FAILED\\tAn old failure\\n' ;;
              "cloudformation deploy")
                if [ -n "${FAKE_DEPLOY_FAILS:-}" ]; then
                  echo "Failed to create/update the stack. Run the following command to fetch the list of events leading up to the failure" >&2
                  exit 255
                fi
                if [ -e "$s/params" ]; then cp "$s/params" "$s/new"; else cp "$s/defaults" "$s/new"; fi
                overrides=0
                for arg in "$@"; do
                  if [ "$overrides" = 1 ] && [ "${arg#--}" = "$arg" ]; then
                    k="${arg%%=*}"; v="${arg#*=}"
                    grep -v "^$k$(printf '\t')" "$s/new" > "$s/tmp" || true
                    printf '%s\\t%s\\n' "$k" "$v" >> "$s/tmp"
                    mv "$s/tmp" "$s/new"
                  elif [ "$arg" = --parameter-overrides ]; then overrides=1
                  elif [ "${arg#--}" != "$arg" ]; then overrides=0
                  fi
                done
                sort -o "$s/new" "$s/new"
                if [ -e "$s/params" ] && cmp -s "$s/new" "$s/params"; then
                  echo "No changes to deploy. Stack $4 is up to date"
                  echo nochange >> "$s/deploys"
                else
                  [ -e "$s/params" ] && echo UPDATE_COMPLETE > "$s/status" || echo CREATE_COMPLETE > "$s/status"
                  mv "$s/new" "$s/params"
                  echo changed >> "$s/deploys"
                fi ;;
            esac
            exit 0
            """;

    @TempDir
    Path tmp;
    private Path state;
    private Path artifacts;
    private String path;

    @BeforeEach
    void setUp() throws IOException {
        state = Files.createDirectory(tmp.resolve("state"));
        Path bin = Files.createDirectory(tmp.resolve("bin"));
        Path aws = bin.resolve("aws");
        Files.writeString(aws, FAKE_AWS);
        Files.setPosixFilePermissions(aws, PosixFilePermissions.fromString("rwxr-xr-x"));
        path = bin + File.pathSeparator + System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        // What CloudFormation stores on a create for every parameter not given: its Default.
        StringBuilder defaults = new StringBuilder();
        new TreeMap<>(CfnTemplate.main().parameters()).forEach((name, p) -> {
            Object d = CfnTemplate.cast(p).get("Default");
            if (d != null) {
                defaults.append(name).append('\t').append(CfnEvaluator.scalar(d)).append('\n');
            }
        });
        Files.writeString(state.resolve("defaults"), defaults.toString());
        artifacts = tmp.resolve("artifacts.env");
        Files.writeString(artifacts, "ArtifactsBucket=art-bucket\nListerCodeKey=s3loader/lister-0011223344556677.jar\n"
                + "LoaderCodeKey=s3loader/loader-8899aabbccddeeff.jar\n");
    }

    @Test
    void firstDeploy_createsTheStackWithTheDefaultsTheOverridesAndARevision() throws Exception {
        Result r = deploy(Map.of(), "BatchSize=20", "MaximumBatchingWindowInSeconds=5");

        assertThat(r.exit).as(r.toString()).isZero();
        assertThat(deploys()).containsExactly("changed");
        assertThat(params()).containsEntry("BatchSize", "20").containsEntry("ListerCodeKey", "s3loader/lister-0011223344556677.jar")
                .containsEntry("MaxInFlightFiles", "100000");
        assertThat(params().get("ConfigRevision")).matches("[0-9a-f]{16}");
    }

    @Test
    void secondDeploy_withTheSameArguments_changesNothing() throws Exception {
        deploy(Map.of(), "BatchSize=20", "MaximumBatchingWindowInSeconds=5");
        Map<String, String> first = params();

        Result again = deploy(Map.of(), "BatchSize=20", "MaximumBatchingWindowInSeconds=5");

        assertThat(again.exit).as(again.toString()).isZero();
        assertThat(deploys()).containsExactly("changed", "nochange");
        assertThat(params()).isEqualTo(first);
    }

    @Test
    void secondDeploy_withoutArguments_changesNothing() throws Exception {
        deploy(Map.of());

        Result again = deploy(Map.of());

        assertThat(again.exit).as(again.toString()).isZero();
        assertThat(deploys()).containsExactly("changed", "nochange");
    }

    @Test
    void loaderOnlyUpdate_keepsTheListersRevision_soItsVersionIsNotReplaced() throws Exception {
        deploy(Map.of());
        String revision = params().get("ConfigRevision");

        for (String change : List.of("BatchSize=20", "LoaderTimeoutSeconds=180", "BacklogAlarmThreshold=5",
                "LoaderCodeKey=s3loader/loader-0000000000000000.jar", "ListerSchedule=rate(5 minutes)")) {
            Result r = deploy(Map.of(), change, "MaximumBatchingWindowInSeconds=5");

            assertThat(r.exit).as(r.toString()).isZero();
            assertThat(params().get("ConfigRevision")).as("after %s", change).isEqualTo(revision);
        }
    }

    /** Read by the lister's function directly, through a condition, or as its code. */
    @ParameterizedTest
    @ValueSource(strings = {"MaxInFlightFiles=5000", "ListerSnapStart=false", "PipelineName=orders",
            "ExistingBucketName=drops", "ListerCodeKey=s3loader/lister-ffffffffffffffff.jar"})
    void listerOnlyUpdate_changesTheRevision_soTheFunctionAndItsVersionChange(String change) throws Exception {
        deploy(Map.of());
        String revision = params().get("ConfigRevision");

        Result r = deploy(Map.of(), change);

        assertThat(r.exit).as(r.toString()).isZero();
        assertThat(params().get("ConfigRevision")).isNotEqualTo(revision);
        assertThat(deploys()).containsExactly("changed", "changed");
    }

    @Test
    void stackStuckInReviewInProgress_saysToDeleteIt() throws Exception {
        Files.writeString(state.resolve("status"), "REVIEW_IN_PROGRESS\n");
        Files.writeString(state.resolve("params"), "");

        Result r = deploy(Map.of());

        assertThat(r.exit).as(r.toString()).isEqualTo(1);
        assertThat(r.err).contains("REVIEW_IN_PROGRESS").contains("aws cloudformation delete-stack --stack-name s3l-test")
                .doesNotContain("wait for it");
        assertThat(calls()).doesNotContain("cloudformation deploy");
    }

    @Test
    void failedDeploy_printsTheFailedEventsThemselves() throws Exception {
        Result r = deploy(Map.of("FAKE_DEPLOY_FAILS", "1"));

        assertThat(r.exit).as(r.toString()).isEqualTo(1);
        assertThat(r.err).contains("ListerVersion").contains("A version for this Lambda function exists")
                .doesNotContain("An old failure");
    }

    private static final String[] WORKERS = {"ContainerWorkers=2", "ContainerSubnetIds=subnet-0a1b2c3d",
        "ContainerSecurityGroupIds=sg-0123abcd"};

    private Map<String, String> pushed(String imageUri) throws IOException {
        Path image = tmp.resolve("image.env");
        Files.writeString(image, "ContainerImageUri=" + imageUri + "\n");
        return Map.of("S3LOADER_IMAGE_FILE", image.toString());
    }

    @Test
    void containerWorkers_theLastPushedDigestIsPassed_soARePushedTagRollsTheService() throws Exception {
        String first = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/s3loader-loader@" + ContainerWorkersTest.DIGEST;
        String second = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/s3loader-loader@sha256:" + "f".repeat(64);
        Result r = deploy(pushed(first), WORKERS);
        assertThat(r.exit).as(r.toString()).isZero();
        assertThat(params()).containsEntry("ContainerImageUri", first);

        // The same tag pushed again: a new digest, so a new task definition.
        Result again = deploy(pushed(second));

        assertThat(again.exit).as(again.toString()).isZero();
        assertThat(params()).containsEntry("ContainerImageUri", second).containsEntry("ContainerWorkers", "2");
        assertThat(deploys()).containsExactly("changed", "changed");
    }

    @Test
    void containerWorkers_withAnImageByTag_isRefusedBeforeDeploying_namingThePush() throws Exception {
        List<String> args = new ArrayList<>(List.of(WORKERS));
        args.add("ContainerImageUri=123456789012.dkr.ecr.eu-west-1.amazonaws.com/s3loader-loader:0.1.0");

        Result r = deploy(Map.of(), args.toArray(String[]::new));

        assertThat(r.exit).as(r.toString()).isEqualTo(1);
        assertThat(r.err).contains("ContainerImageUri must name the image by digest").contains("scripts/container --push");
        assertThat(calls()).doesNotContain("cloudformation deploy");
    }

    /** ECS makes its service-linked role with a console's first cluster, CloudFormation does not. */
    @Test
    void containerWorkers_inAnAccountWithoutTheEcsServiceLinkedRole_createsItBeforeTheStack() throws Exception {
        Result r = deploy(pushed(ContainerWorkersTest.IMAGE), WORKERS);

        assertThat(r.exit).as(r.toString()).isZero();
        String calls = calls();
        assertThat(calls).contains("iam create-service-linked-role --aws-service-name ecs.amazonaws.com");
        assertThat(calls.indexOf("iam create-service-linked-role")).isLessThan(calls.indexOf("cloudformation deploy"));

        Result again = deploy(pushed(ContainerWorkersTest.IMAGE), WORKERS);

        assertThat(again.exit).as(again.toString()).isZero();
        assertThat(calls().split("iam create-service-linked-role", -1)).as("created once").hasSize(2);
    }

    @Test
    void containerWorkers_serviceLinkedRoleMadeMeanwhile_isFine() throws Exception {
        Result r = deploy(Map.of("FAKE_SLR_TAKEN", "1", "S3LOADER_IMAGE_FILE", pushed(ContainerWorkersTest.IMAGE)
                .get("S3LOADER_IMAGE_FILE")), WORKERS);

        assertThat(r.exit).as(r.toString()).isZero();
        assertThat(deploys()).containsExactly("changed");
    }

    /** The real AWS CLI against moto_server's IAM: the role is made once, at ECS's documented path. */
    @Test
    void ensureEcsServiceLinkedRole_againstIam_createsItOnce() throws Exception {
        var moto = AwsCliOnMoto.shared();
        org.junit.jupiter.api.Assumptions.assumeTrue(moto.isPresent(), "moto_server and the AWS CLI are not installed");
        Path aws = moto.get().bin.resolve("aws");
        String ensure = ". " + Repo.path("cloudformation", "script-common.sh") + "; ensure_ecs_service_linked_role";
        Map<String, String> env = Map.of("PATH", moto.get().bin + File.pathSeparator + System.getenv().getOrDefault("PATH", "/usr/bin:/bin"),
                "AWS_ACCESS_KEY_ID", "test", "AWS_SECRET_ACCESS_KEY", "test", "AWS_DEFAULT_REGION", AwsCliOnMoto.REGION);

        Result first = bash(env, ensure);
        Result second = bash(env, ensure);
        Result roles = bash(env, aws + " iam list-roles --path-prefix /aws-service-role/ecs.amazonaws.com/ --query 'Roles[].Path' --output text");

        assertThat(first.exit).as(first.toString()).isZero();
        assertThat(first.out).contains("creating the ECS service-linked role");
        assertThat(second.exit).as(second.toString()).isZero();
        assertThat(second.out).doesNotContain("creating");
        assertThat(roles.out.strip()).isEqualTo("/aws-service-role/ecs.amazonaws.com/");
    }

    private Result bash(Map<String, String> env, String script) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", script).directory(tmp.toFile());
        pb.environment().clear();
        pb.environment().putAll(env);
        pb.environment().put("HOME", tmp.toString());
        Path out = Files.createTempFile(tmp, "out", ".txt");
        Path err = Files.createTempFile(tmp, "err", ".txt");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(script + " did not finish within 60 s");
        }
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }

    @Test
    void noContainerWorkers_touchesNoIamRole() throws Exception {
        Result r = deploy(Map.of(), "BatchSize=20");

        assertThat(r.exit).as(r.toString()).isZero();
        assertThat(calls()).doesNotContain("iam ");
    }

    @Test
    void failingParameterLookUp_stopsBeforeDeploying() throws Exception {
        deploy(Map.of());

        Result r = deploy(Map.of("FAKE_PARAMETERS_FAIL", "1"), "BatchSize=20", "MaximumBatchingWindowInSeconds=5");

        assertThat(r.exit).as(r.toString()).isEqualTo(1);
        assertThat(r.err).contains("Rate exceeded");
        assertThat(deploys()).containsExactly("changed");
    }

    @Test
    void parameterNames_areMatchedLiterally_notAsPatterns() throws Exception {
        Result r = deploy(Map.of(), "Batch.ize=20");

        assertThat(r.exit).as(r.toString()).isEqualTo(2);
        assertThat(r.err).contains("unknown parameter 'Batch.ize'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"DestinationPrefix=incoming/archive/", "ProcessedPrefix=incoming/done/", "IncomingPrefix=processed/in/"})
    void prefixNestedInTheIncomingPrefixOfTheSameBucket_isRefusedBeforeDeploying(String setting) throws Exception {
        Result r = deploy(Map.of(), setting);

        assertThat(r.exit).as(r.toString()).isEqualTo(1);
        assertThat(r.err).contains("inside").contains("IncomingPrefix");
        assertThat(calls()).doesNotContain("cloudformation deploy");
    }

    @ParameterizedTest
    @ValueSource(strings = {"EventGraceMinutes=60", "EventGraceMinutes=90"})
    void eventFastPathWithAGraceNotBelowRequeueAfter_isRefusedBeforeDeploying(String grace) throws Exception {
        Result r = deploy(Map.of(), "EventFastPath=true", grace);

        assertThat(r.exit).as(r.toString()).isEqualTo(1);
        assertThat(r.err).contains("EventGraceMinutes").contains("below RequeueAfterMinutes (60)");
        assertThat(calls()).doesNotContain("cloudformation deploy");
    }

    @Test
    void eventFastPathOff_ignoresTheGrace() throws Exception {
        Result r = deploy(Map.of(), "EventGraceMinutes=90");

        assertThat(r.exit).as(r.toString()).isZero();
    }

    /**
     * macOS ships bash 3.2: no associative arrays, no case conversion, and "${a[@]}" of an empty
     * array is an unbound variable under set -u before bash 4.4.
     */
    @ParameterizedTest
    @ValueSource(strings = {"scripts/package", "scripts/deploy", "scripts/destroy", "cloudformation/script-common.sh"})
    void script_usesNothingBash32Lacks(String script) throws Exception {
        String text = Files.readString(repoPath(script));
        List<String> problems = new ArrayList<>();
        Map<String, String> bash4 = new LinkedHashMap<>();
        bash4.put("(declare|local|typeset) +-[a-zA-Z]*A", "associative arrays");
        bash4.put("\\b(mapfile|readarray|coproc)\\b", "bash 4 builtins");
        bash4.put("\\$\\{[A-Za-z_][A-Za-z0-9_]*(\\[[^]]*])?(,,?|\\^\\^?)}", "case conversion");
        bash4.put("\\[\\[ +-v ", "[[ -v ]]");
        bash4.put("&>>|\\|&|;;&", "bash 4 redirections and case fall-through");
        bash4.put("\\[-[0-9]+]}", "negative array index");
        for (var e : bash4.entrySet()) {
            Matcher m = Pattern.compile(e.getKey()).matcher(text);
            while (m.find()) {
                problems.add(e.getValue() + ": " + m.group());
            }
        }
        Matcher arrays = Pattern.compile("(.{0,24})\"\\$\\{([A-Za-z_][A-Za-z0-9_]*)\\[@]}\"").matcher(text);
        while (arrays.find()) {
            if (!arrays.group(1).endsWith("${" + arrays.group(2) + "[@]+")) {
                problems.add("unguarded \"${" + arrays.group(2) + "[@]}\" (write ${" + arrays.group(2) + "[@]+\"${"
                        + arrays.group(2) + "[@]}\"})");
            }
        }
        assertThat(problems).as(script).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"package", "deploy", "destroy"})
    void help_pointsOnlyToFilesThatExist(String script) throws Exception {
        Process p = new ProcessBuilder("bash", Repo.path("scripts", script).toString(), "--help").start();
        String help = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(30, TimeUnit.SECONDS);

        Matcher m = Pattern.compile("[A-Za-z0-9_./-]+\\.md").matcher(help);
        while (m.find()) {
            assertThat(repoPath(m.group())).as("scripts/%s --help names %s", script, m.group()).exists();
        }
    }

    private static Path repoPath(String relative) {
        String[] parts = relative.split("/");
        return Repo.path(parts[0], java.util.Arrays.copyOfRange(parts, 1, parts.length));
    }

    private Map<String, String> params() throws IOException {
        Map<String, String> out = new TreeMap<>();
        for (String line : Files.readAllLines(state.resolve("params"))) {
            int tab = line.indexOf('\t');
            out.put(line.substring(0, tab), line.substring(tab + 1));
        }
        return out;
    }

    private List<String> deploys() throws IOException {
        Path d = state.resolve("deploys");
        return Files.exists(d) ? Files.readAllLines(d) : List.of();
    }

    private String calls() throws IOException {
        Path c = state.resolve("calls");
        return Files.exists(c) ? Files.readString(c) : "";
    }

    record Result(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    private Result deploy(Map<String, String> extra, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("bash", Repo.path("scripts", "deploy").toString(), "s3l-test"));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(tmp.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Map<String, String> env = pb.environment();
        env.clear();
        env.putAll(Map.of("PATH", path, "HOME", tmp.toString(), "LANG", "C.UTF-8", "FAKE_STATE", state.toString(),
                "S3LOADER_ARTIFACTS_FILE", artifacts.toString()));
        env.putAll(extra);
        Path out = tmp.resolve("stdout");
        Path err = tmp.resolve("stderr");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("scripts/deploy did not finish within 60 s");
        }
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }
}
