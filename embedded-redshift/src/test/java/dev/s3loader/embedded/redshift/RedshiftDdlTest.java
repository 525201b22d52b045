package dev.s3loader.embedded.redshift;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The DDL rewrite on its own; its effect on PostgreSQL is tested in {@link EmbeddedRedshiftDataTest}. */
class RedshiftDdlTest {
    @Test
    void rewrite_varcharColumns_becomeByteCheckedBpchar_keysDropped_restKept() {
        // Act
        String out = RedshiftDdl.rewrite("CREATE TEMP TABLE IF NOT EXISTS \"s\".\"t\" (\"Key\" VARCHAR(1024) NOT NULL PRIMARY KEY, "
                + "n INT UNIQUE, v VARCHAR, c CHARACTER VARYING(MAX), d TIMESTAMP DEFAULT GETDATE(), "
                + "CONSTRAINT pk PRIMARY KEY (n), UNIQUE (v), CHECK (n > 0))");

        // Assert
        assertThat(out).startsWith("CREATE TEMP TABLE IF NOT EXISTS \"s\".\"t\" (")
                .contains("\"Key\" bpchar CONSTRAINT \"rs_varchar_1024_Key\" CHECK (octet_length(\"Key\") <= 1024) NOT NULL,")
                .contains("n INT,")
                .contains("v bpchar CONSTRAINT \"rs_varchar_256_v\" CHECK (octet_length(\"v\") <= 256)")
                .contains("c bpchar CONSTRAINT \"rs_varchar_65535_c\" CHECK (octet_length(\"c\") <= 65535)")
                .contains("CHECK (n > 0))")
                .doesNotContain("PRIMARY").doesNotContain("UNIQUE");
    }

    @Test
    void rewrite_otherStatements_unchanged() {
        for (String sql : new String[] {"SELECT 'CREATE TABLE x (a VARCHAR(1))'", "CREATE TABLE t AS SELECT * FROM (SELECT 1) s",
                "INSERT INTO t VALUES ('a')", "CREATE TEMP TABLE s (LIKE \"t\")"}) {
            assertThat(RedshiftDdl.rewrite(sql)).as(sql).isEqualTo(sql);
        }
    }

    @Test
    void tooLong_readsOurConstraintNamesOnly() {
        assertThat(RedshiftDdl.tooLong("rs_varchar_5_name")).contains(new RedshiftDdl.TooLong(5, "name"));
        assertThat(RedshiftDdl.tooLong("events_pkey")).isEmpty();
        assertThat(RedshiftDdl.tooLong(null)).isEmpty();
    }
}
