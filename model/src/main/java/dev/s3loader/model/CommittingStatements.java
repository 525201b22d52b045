package dev.s3loader.model;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Statements that end the load's transaction or cannot run inside one, refused in {@code PRE_SQL}
 * and {@code POST_SQL}: the load, its lock and its ledger check are one transaction, and such a
 * statement would commit half of it. Redshift: "TRUNCATE commits the transaction in which it is
 * run" (r_TRUNCATE); VACUUM and CREATE/DROP DATABASE cannot run inside a transaction block
 * (r_VACUUM_command, r_CREATE_DATABASE); COMMIT, END, ROLLBACK, ABORT, BEGIN and START TRANSACTION
 * end or nest it. The same rule holds for both destinations, so that a setting means one thing;
 * the template's PreLoadSql/PostLoadSql AllowedPattern refuses the same words.
 */
public final class CommittingStatements {
    /** A statement's first word(s), at the start or after a semicolon (a second statement smuggled in). */
    private static final Pattern BREAKER = Pattern.compile(
            "(?:^|;)\\s*(truncate|vacuum|commit|end|rollback|abort|begin|start|(?:create|drop)\\s+database)\\b",
            Pattern.CASE_INSENSITIVE);

    private CommittingStatements() {
    }

    /** Why {@code sql} cannot run in the load's transaction, or empty when it can. */
    public static Optional<String> reason(String sql) {
        Matcher m = BREAKER.matcher(sql);
        if (!m.find()) {
            return Optional.empty();
        }
        String word = m.group(1).toUpperCase(Locale.ROOT).replaceAll("\\s+", " ");
        return Optional.of(switch (word) {
            case "TRUNCATE" -> "TRUNCATE commits the transaction it runs in on Redshift (r_TRUNCATE): the load's lock and "
                    + "ledger check would end with it and a failed COPY would leave the table truncated; use DELETE FROM";
            case "VACUUM", "CREATE DATABASE", "DROP DATABASE" -> word + " cannot run inside the load's transaction; "
                    + "run it on a schedule of its own";
            default -> word + " ends or opens a transaction, and the load runs in one transaction of its own";
        });
    }
}
