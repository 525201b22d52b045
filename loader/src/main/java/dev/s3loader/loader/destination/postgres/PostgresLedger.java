package dev.s3loader.loader.destination.postgres;

import dev.s3loader.loader.destination.LedgerReadException;
import dev.s3loader.loader.destination.LedgerReader;
import dev.s3loader.loader.destination.LedgerRow;
import dev.s3loader.model.TableName;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * Reads the postgres destination's ledger (the schema {@link PostgresSql} creates: key, etag, …) for the audit, with a
 * server-side cursor: pgjdbc fetches {@code fetchSize} rows at a time only inside a transaction, so
 * auto-commit is off and the transaction is read-only. {@code COLLATE "C"} orders text by its
 * bytes, which for UTF-8 is the order S3 lists keys in, whatever the database's collation.
 */
public final class PostgresLedger implements LedgerReader {
    private final Connection connection;
    private final TableName ledger;
    private final int fetchSize;
    private PreparedStatement statement;

    /** @param connection an open connection this reader owns and closes */
    public PostgresLedger(Connection connection, TableName ledger, int fetchSize) {
        this.connection = connection;
        this.ledger = ledger;
        this.fetchSize = fetchSize;
    }

    @Override
    public String describe() {
        return "postgres table " + ledger;
    }

    @Override
    public Iterator<LedgerRow> rowsInKeyOrder() {
        ResultSet rows;
        try {
            connection.setAutoCommit(false);
            connection.setReadOnly(true);
            statement = connection.prepareStatement(PostgresSql.ledgerInKeyOrder(ledger));
            statement.setFetchSize(fetchSize);
            rows = statement.executeQuery();
        } catch (SQLException e) {
            throw new LedgerReadException("cannot read the ledger " + ledger + ": " + e.getMessage(), e);
        }
        return new Iterator<>() {
            private LedgerRow next = advance();

            private LedgerRow advance() {
                try {
                    return rows.next() ? new LedgerRow(rows.getString(1), rows.getString(2)) : null;
                } catch (SQLException e) {
                    throw new LedgerReadException("cannot read the ledger " + ledger + ": " + e.getMessage(), e);
                }
            }

            @Override
            public boolean hasNext() {
                return next != null;
            }

            @Override
            public LedgerRow next() {
                if (next == null) {
                    throw new NoSuchElementException();
                }
                LedgerRow r = next;
                next = advance();
                return r;
            }
        };
    }

    @Override
    public void close() {
        try {
            if (statement != null) {
                statement.close();
            }
            connection.rollback();
            connection.close();
        } catch (SQLException e) {
            // Read-only; nothing is lost by a failed close.
        }
    }
}
