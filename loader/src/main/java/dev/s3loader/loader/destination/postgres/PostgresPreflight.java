package dev.s3loader.loader.destination.postgres;

import dev.s3loader.loader.destination.Deadline;
import dev.s3loader.model.CheckItem;
import dev.s3loader.model.DatabaseConfig;
import dev.s3loader.model.FileFormat;
import dev.s3loader.model.LoadMode;
import dev.s3loader.model.TableName;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLException;

/**
 * The postgres destination's preflight: a connection as the loader opens it (same credentials,
 * same TLS settings, same pool), then, read-only, the target table and the ledger with the
 * privileges a load takes: INSERT on the table (DELETE too for LOAD_MODE=merge), SELECT, INSERT,
 * UPDATE, DELETE on the ledger (or CREATE on its schema while it does not exist yet, since the
 * loader creates it), and TEMPORARY on the database where the load stages rows in a temporary
 * table (merge, or FILE_FORMAT=json). PostgreSQL's has_table_privilege, has_schema_privilege and
 * has_database_privilege answer for the connected role, including what it inherits.
 */
final class PostgresPreflight {
    private final DatabaseConfig config;
    private final ConnectionPool pool;
    private final PostgresCredentials credentials;
    private final Clock clock;

    PostgresPreflight(DatabaseConfig config, ConnectionPool pool, PostgresCredentials credentials, Clock clock) {
        this.config = config;
        this.pool = pool;
        this.credentials = credentials;
        this.clock = clock;
    }

    List<CheckItem> run() {
        LoadBudget budget = new LoadBudget(Deadline.in(config.postgres().connectTimeout().multipliedBy(2).plusSeconds(10), clock));
        Optional<ConnectionPool.Lease> slot;
        try {
            slot = pool.acquire(budget);
        } catch (RuntimeException e) {
            return List.of(connectionProblem(e));
        }
        if (slot.isEmpty()) {
            return List.of(CheckItem.problem("database connection", "no database slot (MAX_CONCURRENCY) came free: loads are running",
                    "run the check again when the loader is idle"));
        }
        try (ConnectionPool.Lease lease = slot.get()) {
            Connection c = lease.connection();
            try {
                List<CheckItem> items = inspect(c);
                if (!c.getAutoCommit()) {
                    c.rollback();
                }
                return items;
            } catch (SQLException e) {
                lease.broken();
                return List.of(CheckItem.problem("database privileges", "the checks could not run: " + PgErrors.describe(e),
                        "connect as the loader's user and run SELECT has_table_privilege('" + config.requireTable() + "', 'INSERT')"));
            }
        }
    }

    private List<CheckItem> inspect(Connection c) throws SQLException {
        List<CheckItem> items = new ArrayList<>();
        String user;
        String database;
        boolean tls;
        try (PreparedStatement p = c.prepareStatement("SELECT current_user, current_database(), "
                + "coalesce((SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()), false)");
             ResultSet rs = p.executeQuery()) {
            rs.next();
            user = rs.getString(1);
            database = rs.getString(2);
            tls = rs.getBoolean(3);
        }
        String mode = config.postgres().sslMode().setting();
        items.add(CheckItem.ok("database connection", "connected to " + credentials.server() + " as " + user + ", "
                + (tls ? "TLS (DB_SSL_MODE=" + mode + (config.postgres().sslMode().verifies()
                ? ": the server's certificate chains to DB_SSL_ROOT_CERT" + (mode.equals("verify-full") ? " and names the host" : "")
                : "") + ")" : "no TLS (DB_SSL_MODE=" + mode + ")")));

        TableName table = config.requireTable();
        String who = TableName.quote(user);
        boolean merge = config.mode() == LoadMode.MERGE;
        if (!exists(c, table)) {
            items.add(CheckItem.problem("table", table + " does not exist (or " + user + " cannot see its schema)",
                    "create " + table + " (or fix DB_TABLE; a schema must be named as [schema.]table)"));
        } else {
            List<String> missing = missing(c, "has_table_privilege", table.quoted(), merge ? List.of("INSERT", "DELETE") : List.of("INSERT"));
            items.add(missing.isEmpty()
                    ? CheckItem.ok("table", table + ": " + user + " may " + (merge ? "INSERT and DELETE (merge)" : "INSERT"))
                    : CheckItem.problem("table", table + ": " + user + " lacks " + String.join(", ", missing),
                    "GRANT " + String.join(", ", missing) + " ON " + table.quoted() + " TO " + who));
        }

        TableName ledger = config.ledgerTable();
        if (!exists(c, ledger)) {
            // has_schema_privilege takes the schema's name as it is, not quoted.
            String schema = ledger.schema().orElse(null);
            if (schema == null) {
                try (PreparedStatement p = c.prepareStatement("SELECT current_schema()"); ResultSet rs = p.executeQuery()) {
                    rs.next();
                    schema = rs.getString(1);
                }
            }
            if (schema == null) {
                items.add(CheckItem.problem("ledger", ledger + " does not exist and " + user + "'s search_path names no schema to create it in",
                        "set DB_LEDGER_TABLE to schema.table, or create the ledger (docs/design.md, \"Exactly once: the ledger\")"));
            } else if (missing(c, "has_schema_privilege", schema, List.of("CREATE")).isEmpty()) {
                items.add(CheckItem.ok("ledger", ledger + " does not exist yet: the first load creates it (" + user
                        + " may CREATE in schema " + TableName.quote(schema) + ")"));
            } else {
                items.add(CheckItem.problem("ledger", ledger + " does not exist and " + user + " may not CREATE in schema "
                        + TableName.quote(schema), "GRANT CREATE ON SCHEMA " + TableName.quote(schema) + " TO " + who
                        + ", or create the ledger as its owner"));
            }
        } else {
            List<String> missing = missing(c, "has_table_privilege", ledger.quoted(), List.of("SELECT", "INSERT", "UPDATE", "DELETE"));
            items.add(missing.isEmpty()
                    ? CheckItem.ok("ledger", ledger + ": " + user + " may SELECT, INSERT, UPDATE, DELETE")
                    : CheckItem.problem("ledger", ledger + ": " + user + " lacks " + String.join(", ", missing),
                    "GRANT " + String.join(", ", missing) + " ON " + ledger.quoted() + " TO " + who));
        }

        if (merge || config.format() == FileFormat.JSON) {
            String why = merge ? "LOAD_MODE=merge stages rows" : "FILE_FORMAT=json stages documents";
            List<String> missing = missing(c, "has_database_privilege", database, List.of("TEMPORARY"));
            items.add(missing.isEmpty()
                    ? CheckItem.ok("temporary tables", user + " may create temporary tables in " + database + " (" + why + " in one)")
                    : CheckItem.problem("temporary tables", user + " may not create temporary tables in " + database + ", and "
                    + why + " in one", "GRANT TEMPORARY ON DATABASE " + TableName.quote(database) + " TO " + who));
        }
        return items;
    }

    private static boolean exists(Connection c, TableName t) throws SQLException {
        try (PreparedStatement p = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
            p.setString(1, t.quoted());
            try (ResultSet rs = p.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    /** The privileges the current user lacks on an object, asked through one of PostgreSQL's has_*_privilege functions. */
    private static List<String> missing(Connection c, String function, String object, List<String> privileges) throws SQLException {
        List<String> missing = new ArrayList<>();
        for (String privilege : privileges) {
            try (PreparedStatement p = c.prepareStatement("SELECT " + function + "(?, ?)")) {
                p.setString(1, object);
                p.setString(2, privilege);
                try (ResultSet rs = p.executeQuery()) {
                    rs.next();
                    if (!rs.getBoolean(1)) {
                        missing.add(privilege);
                    }
                }
            }
        }
        return missing;
    }

    /** A connection that could not be opened, with the one thing to check for its kind of failure. */
    private CheckItem connectionProblem(RuntimeException e) {
        String name = "database connection";
        String detail = e.getMessage();
        SQLException sql = e.getCause() instanceof SQLException s ? s : null;
        String state = sql == null ? "" : String.valueOf(sql.getSQLState());
        if (state.startsWith("28")) {
            return CheckItem.problem(name, detail, "check DB_USER and DB_PASSWORD (or the username and password in the secret "
                    + "DB_SECRET_ARN) against the database's role; the role needs LOGIN");
        }
        if (state.equals("3D000")) {
            return CheckItem.problem(name, detail, "check the database name in DB_URL (or the secret's dbname)");
        }
        if (has(e, SSLException.class) || (detail != null && detail.contains("SSL"))) {
            return CheckItem.problem(name, detail, "check DB_SSL_MODE and DB_SSL_ROOT_CERT: the server's certificate must chain to "
                    + "the CA file (for RDS, AWS's global-bundle.pem) and, with verify-full, name the host in DB_URL");
        }
        if (has(e, UnknownHostException.class) || has(e, ConnectException.class) || has(e, NoRouteToHostException.class)
                || has(e, SocketTimeoutException.class) || state.startsWith("08")) {
            return CheckItem.problem(name, detail, "check the host and port in DB_URL (or the secret's host), that the database "
                    + "runs, and that the loader's network reaches it (VPC subnets, security group rules, DB_CONNECT_TIMEOUT_SECONDS)");
        }
        if (sql == null) {
            return CheckItem.problem(name, detail, "check DB_SECRET_ARN (readable by the loader's role, JSON with username and "
                    + "password) and DB_URL");
        }
        return CheckItem.problem(name, detail, "check DB_URL, the credentials and the database's log for this error");
    }

    private static boolean has(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }
}
