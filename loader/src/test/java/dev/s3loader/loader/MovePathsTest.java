package dev.s3loader.loader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.s3loader.clients.StoreCondition;
import dev.s3loader.clients.StoreCondition.Verdict;
import dev.s3loader.clients.StoreConditions;
import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The paths chosen from a probe's verdicts, and the refusals, as plain data. */
class MovePathsTest {

    private static StoreConditions store(Map<StoreCondition, Verdict> changed) {
        Map<StoreCondition, Verdict> v = new EnumMap<>(StoreCondition.class);
        for (StoreCondition c : StoreCondition.values()) {
            v.put(c, Verdict.HONOURED);
        }
        v.putAll(changed);
        Map<StoreCondition, String> answers = new EnumMap<>(StoreCondition.class);
        v.forEach((c, x) -> answers.put(c, x == Verdict.HONOURED ? "412 PreconditionFailed" : "the request went through"));
        return new StoreConditions("http://127.0.0.1:1/b", v, answers, true);
    }

    @Test
    void of_everyConditionHonoured_usesTheConditionsThemselves() {
        assertThat(MovePaths.of(store(Map.of()))).isEqualTo(MovePaths.CONDITIONAL);
    }

    @Test
    void of_motosVerdicts_deletesOneByOneAndChecksEveryCopy() {
        MovePaths p = MovePaths.of(store(Map.of(StoreCondition.COPY_SOURCE_IF_MATCH, Verdict.IGNORED,
                StoreCondition.UPLOAD_PART_COPY_SOURCE_IF_MATCH, Verdict.IGNORED,
                StoreCondition.DELETE_OBJECTS_ETAG, Verdict.IGNORED, StoreCondition.COPY_IF_NONE_MATCH, Verdict.IGNORED)));

        assertThat(p).isEqualTo(new MovePaths(false, true, true, true));
        assertThat(p.describe()).contains("one DeleteObject with If-Match per key", "checked after the copy");
    }

    @Test
    void of_deleteIfMatchIgnored_refusesNamingTheBehaviourAndTheRisk() {
        assertThatThrownBy(() -> MovePaths.of(store(Map.of(StoreCondition.DELETE_IF_MATCH, Verdict.IGNORED))))
                .isInstanceOf(StoreRefusedException.class)
                .hasMessage("the S3 store http://127.0.0.1:1/b does not honour If-Match on DeleteObject (IGNORED, the request"
                        + " went through): a producer's new version written while its file is moved would be deleted unseen"
                        + " (lost); s3loader refuses to move files on it");
    }

    @Test
    void of_noCopyConditionAndNoHeadIfMatch_refuses() {
        assertThatThrownBy(() -> MovePaths.of(store(Map.of(StoreCondition.COPY_SOURCE_IF_MATCH, Verdict.IGNORED,
                StoreCondition.HEAD_IF_MATCH, Verdict.REFUSED))))
                .isInstanceOf(StoreRefusedException.class)
                .hasMessageContaining("does not honour CopySourceIfMatch on CopyObject")
                .hasMessageContaining("processed/ could hold another version than the one loaded");
    }
}
