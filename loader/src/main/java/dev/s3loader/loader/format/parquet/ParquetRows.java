package dev.s3loader.loader.format.parquet;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.ArrayList;
import java.util.List;
import org.apache.parquet.HadoopFreeReadOptions;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.Type;

/**
 * A Parquet file's rows, one row group in memory at a time, with parquet-java's Hadoop-free
 * pieces: {@link ParquetFileReader} over any {@link InputFile}, our {@link ParquetCodecs}, and
 * parquet-column's record assembly into {@link RowConverter}'s plain values. Only the fields asked
 * for are read: the other columns' chunks are never fetched.
 */
public final class ParquetRows implements AutoCloseable {
    private final ParquetFileReader reader;
    private final MessageType schema;

    private ParquetRows(ParquetFileReader reader) {
        this.reader = reader;
        this.schema = reader.getFooter().getFileMetaData().getSchema();
    }

    /**
     * Reads the footer (the schema and where each row group lies); no row is read yet. The options come
     * from {@link HadoopFreeReadOptions}: parquet's own builder loads Hadoop's codec classes.
     */
    public static ParquetRows open(InputFile file) throws IOException {
        ParquetReadOptions options = HadoopFreeReadOptions.with(new ParquetCodecs(), 8 << 20);
        return new ParquetRows(open(file, options));
    }

    /**
     * {@code ParquetFileReader.open(InputFile, ParquetReadOptions)}, found by its exact signature: javac
     * cannot choose among open's overloads without Hadoop's Configuration, which the others take, and
     * reflection's getMethod would load every overload's parameter types. A method handle resolves this
     * one method alone, so Hadoop is needed neither to build nor to run.
     */
    private static ParquetFileReader open(InputFile file, ParquetReadOptions options) throws IOException {
        try {
            return (ParquetFileReader) OPEN.invokeExact(file, options);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IOException(e);
        }
    }

    private static final MethodHandle OPEN = openHandle();

    private static MethodHandle openHandle() {
        try {
            return MethodHandles.publicLookup().findStatic(ParquetFileReader.class, "open",
                    MethodType.methodType(ParquetFileReader.class, InputFile.class, ParquetReadOptions.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The file's top-level fields, in the file's order. */
    public List<Type> fields() {
        return schema.getFields();
    }

    public long rowCount() {
        return reader.getRecordCount();
    }

    /** What receives each row: the values of the fields asked for, in that order (see {@link RowConverter}). */
    public interface RowHandler {
        void row(Object[] values) throws IOException;
    }

    /**
     * Hands every row to {@code handler}, row group by row group; the array is reused, and a
     * {@code Binary} in it is valid only until the call returns.
     *
     * @return the number of rows
     */
    public long read(List<String> fieldNames, RowHandler handler) throws IOException {
        List<Type> wanted = new ArrayList<>();
        for (String name : fieldNames) {
            wanted.add(schema.getType(name));
        }
        MessageType projection = new MessageType(schema.getName(), wanted);
        reader.setRequestedSchema(projection);
        RowConverter converter = new RowConverter(projection);
        var columns = new ColumnIOFactory().getColumnIO(projection, schema, true);
        long rows = 0;
        // readRowGroup(i), not readNextRowGroup(): the latter keeps the previous row group referenced while it
        // reads the next, so two row groups are in memory at once; here only the one being read is.
        for (int i = 0, n = reader.getRowGroups().size(); i < n; i++) {
            rows += readGroup(i, columns, converter, handler);
        }
        return rows;
    }

    private long readGroup(int index, org.apache.parquet.io.MessageColumnIO columns, RowConverter converter,
                           RowHandler handler) throws IOException {
        PageReadStore group = reader.readRowGroup(index);
        try {
            RecordReader<Object[]> records = columns.getRecordReader(group, converter);
            long n = group.getRowCount();
            for (long i = 0; i < n; i++) {
                handler.row(records.read());
            }
            return n;
        } finally {
            if (group instanceof AutoCloseable c) {
                try {
                    c.close();
                } catch (IOException | RuntimeException e) {
                    throw e;
                } catch (Exception e) {
                    throw new IOException(e);
                }
            }
        }
    }

    @Override
    public void close() throws IOException {
        reader.close();
    }
}
