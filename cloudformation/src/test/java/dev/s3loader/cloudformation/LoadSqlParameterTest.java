package dev.s3loader.cloudformation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s3loader.model.CommittingStatements;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * PreLoadSql and PostLoadSql: the template refuses, before anything is created, exactly the
 * statements the loader refuses at start-up, those that commit or cannot run inside the load's
 * transaction (Redshift's r_TRUNCATE: "TRUNCATE commits the transaction in which it is run"). A
 * Rule has no substring test, so the parameters' AllowedPattern carries the check.
 */
class LoadSqlParameterTest {
    private static final CfnTemplate T = CfnTemplate.main();

    @ParameterizedTest
    @ValueSource(strings = {"TRUNCATE events", "  truncate table raw.events", "delete from a;\ntruncate b", "VACUUM events",
            "COMMIT", "end", "BEGIN", "start transaction", "ROLLBACK", "abort", "CREATE DATABASE x", "drop  database x"})
    void committingStatement_refusedByTheTemplateAndTheLoader(String sql) {
        for (String parameter : new String[] {"PreLoadSql", "PostLoadSql"}) {
            Pattern allowed = Pattern.compile((String) T.parameter(parameter).get("AllowedPattern"));

            assertThat(allowed.matcher(sql).matches()).as("%s %s", parameter, sql).isFalse();
        }
        assertThat(CommittingStatements.reason(sql)).isPresent();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "DELETE FROM events WHERE day < current_date - 30", "CALL refresh_events()",
            "UPDATE t SET state = CASE WHEN a THEN 1 ELSE 2 END", "INSERT INTO truncated_log VALUES (getdate())",
            "ANALYZE events", "UPDATE starts SET x = 1"})
    void otherStatement_acceptedByBoth(String sql) {
        for (String parameter : new String[] {"PreLoadSql", "PostLoadSql"}) {
            Pattern allowed = Pattern.compile((String) T.parameter(parameter).get("AllowedPattern"));

            assertThat(allowed.matcher(sql).matches()).as("%s %s", parameter, sql).isTrue();
        }
        assertThat(CommittingStatements.reason(sql)).isEmpty();
    }
}
