package dev.s3loader.cloudformation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.s3loader.cloudformation.SdkCallScanner.SdkCall;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The scanner on compiled fixtures (test code of this module) whose calls are known. */
class SdkCallScannerTest {
    private static final String FIXTURE = "dev/s3loader/cloudformation/fixture/";

    private static SdkCallScanner.Result scanFixture() throws URISyntaxException {
        Path classes = Path.of(SdkCallScannerTest.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Map<String, byte[]> fixture = CodeJars.classesIn(classes, FIXTURE);
        return SdkCallScanner.scan(fixture, Set.of(FIXTURE + "FixtureHandler"), List.of(FIXTURE + "poller/"));
    }

    @Test
    void scan_handler_findsDirectPaginatorMethodReferenceAndAsyncCalls() throws Exception {
        // Act
        SdkCallScanner.Result result = scanFixture();

        // Assert
        assertThat(result.calls().stream().map(SdkCall::key).distinct())
                .containsExactlyInAnyOrder("s3:CopyObject", "s3:ListObjectsV2", "sqs:SendMessageBatch", "s3:HeadObject", "s3:Close");
        assertThat(result.calls()).anySatisfy(c -> assertThat(c).isEqualTo(new SdkCall("s3", "listObjectsV2Paginator",
                "dev.s3loader.cloudformation.fixture.FixtureLister#keys")));
        assertThat(result.calls()).anySatisfy(c -> assertThat(c.caller())
                .isEqualTo("dev.s3loader.cloudformation.fixture.FixtureHandler#handleRequest")
                .isNotNull());
    }

    @Test
    void scan_unreachableAndExcludedCode_isLeftOut() throws Exception {
        SdkCallScanner.Result result = scanFixture();

        assertThat(result.reachable()).contains(FIXTURE + "FixtureLister", FIXTURE + "FixtureSender")
                .doesNotContain(FIXTURE + "FixtureMain", FIXTURE + "poller/FixturePoller");
        assertThat(result.calls()).noneMatch(c -> c.operation().equals("DeleteBucket") || c.operation().equals("ReceiveMessage"));
    }

    @Test
    void scan_handler_findsConfigurationReadersAndGetenvNames() throws Exception {
        SdkCallScanner.Result result = scanFixture();

        assertThat(result.configReaders()).containsExactly("dev.s3loader.cloudformation.fixture.FixtureConfig");
        assertThat(result.environmentNames()).containsExactly("FIXTURE_VAR");
    }

    @Test
    void scan_fixtureCalls_allMapToIamActions_exceptTheUnmappedOne() throws Exception {
        SdkCallScanner.Result result = scanFixture();
        Scenario copy = Scenario.of("copy");

        assertThat(result.calls().stream().flatMap(c -> IamActions.actionsFor(c, copy).stream()).distinct())
                .containsExactlyInAnyOrder("s3:GetObject", "s3:GetObjectTagging", "s3:PutObject", "s3:PutObjectTagging",
                        "s3:ListBucket", "sqs:SendMessage");
        assertThatThrownBy(() -> IamActions.actionsFor(new SdkCall("s3", "deleteBucket", "x"), copy))
                .hasMessageContaining("s3:DeleteBucket");
    }

    @Test
    void operation_fromMethodName_dropsPaginatorAndCapitalises() {
        assertThat(new SdkCall("s3", "listObjectsV2Paginator", "x").operation()).isEqualTo("ListObjectsV2");
        assertThat(new SdkCall("redshiftdata", "batchExecuteStatement", "x").key()).isEqualTo("redshiftdata:BatchExecuteStatement");
    }

    @Test
    void classes_ofAMissingJar_failSayingItIsNotBuilt() {
        assertThatThrownBy(() -> CodeJars.classes(Path.of("no-such", "s3loader-lister.jar")))
                .isInstanceOf(AssertionError.class).hasMessageContaining("jar not built");
    }
}
