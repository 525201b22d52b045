package dev.s3loader.loader.destination.postgres;

import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/** Sorts PostgreSQL errors by who must act: the file's producer, a later attempt, or an operator. */
final class PgErrors {
    /** {@code COPY events, line 3, column amount: "abc"} (the column part is absent for whole-line errors). */
    private static final Pattern COPY_CONTEXT = Pattern.compile("COPY [^,]+, line (\\d+)(?:, column ([^:]+))?");

    private PgErrors() {
    }

    /** The connection is gone or the server is going away: nothing of the transaction committed (unless at COMMIT). */
    static boolean connectionLost(SQLException e) {
        String s = e.getSQLState();
        return s == null || s.startsWith("08") || s.startsWith("57P");
    }

    /** Worth another attempt on a live connection: conflicts, timeouts, resource shortages. */
    static boolean transientFailure(SQLException e) {
        String s = e.getSQLState();
        return connectionLost(e) || s.equals("40001") || s.equals("40P01") || s.equals("55P03")
                || s.equals("57014") || s.startsWith("53") || s.startsWith("58");
    }

    /** query_canceled: the statement_timeout (the batch's deadline) or a cancel request ended the statement. */
    static boolean cancelled(SQLException e) {
        return "57014".equals(e.getSQLState());
    }

    /** Bad credentials: a rotated secret is read again before the next attempt. */
    static boolean authentication(SQLException e) {
        return e.getSQLState() != null && e.getSQLState().startsWith("28");
    }

    /**
     * The file's own fault, which no retry can fix: bad values (22xxx), constraint violations
     * (23xxx) and limits such as an over-long row (54xxx).
     */
    static boolean fileFault(SQLException e) {
        String s = e.getSQLState();
        return s != null && (s.startsWith("22") || s.startsWith("23") || s.startsWith("54"));
    }

    /** The database's own account of a rejected file: line, column, message, SQLSTATE. */
    static Map<String, String> detail(SQLException e) {
        Map<String, String> d = new LinkedHashMap<>();
        Optional<ServerErrorMessage> m = server(e);
        m.map(ServerErrorMessage::getWhere).ifPresent(where -> {
            Matcher x = COPY_CONTEXT.matcher(where);
            if (x.find()) {
                d.put("line", x.group(1));
                if (x.group(2) != null) {
                    d.put("column", x.group(2).trim());
                }
            }
            d.put("context", where);
        });
        if (!d.containsKey("column")) {
            m.map(ServerErrorMessage::getColumn).ifPresent(c -> d.put("column", c));
        }
        d.put("error", m.map(ServerErrorMessage::getMessage).orElse(String.valueOf(e.getMessage())));
        m.map(ServerErrorMessage::getDetail).ifPresent(x -> d.put("errorDetail", x));
        d.put("sqlState", String.valueOf(e.getSQLState()));
        return d;
    }

    /** One line for the error report's reason. */
    static String reason(Map<String, String> detail) {
        StringBuilder b = new StringBuilder();
        if ("22021".equals(detail.get("sqlState"))) {
            // PostgreSQL names the byte; a person needs to know what kind of file that means.
            b.append("not UTF-8 text (binary data, or text in another encoding such as Latin-1); ");
        }
        b.append("rejected by PostgreSQL");
        if (detail.containsKey("line")) {
            b.append(" at line ").append(detail.get("line"));
        }
        if (detail.containsKey("column")) {
            b.append(", column ").append(detail.get("column"));
        }
        return b.append(": ").append(detail.get("error")).toString();
    }

    static String describe(SQLException e) {
        return e.getSQLState() + " " + server(e).map(ServerErrorMessage::getMessage).orElse(e.getMessage());
    }

    private static Optional<ServerErrorMessage> server(SQLException e) {
        return e instanceof PSQLException p ? Optional.ofNullable(p.getServerErrorMessage()) : Optional.empty();
    }
}
