package dev.s3loader.loader.destination.refined;

import dev.s3loader.loader.destination.Deadline;
import dev.s3loader.loader.destination.Destination;
import dev.s3loader.loader.destination.LoadResult;
import dev.s3loader.loader.destination.Parallel;
import dev.s3loader.model.CheckItem;
import dev.s3loader.model.Compression;
import dev.s3loader.model.CsvOptions;
import dev.s3loader.model.FileFormat;
import dev.s3loader.model.FileMessage;
import dev.s3loader.model.Layout;
import dev.s3loader.model.RefinedColumn;
import dev.s3loader.model.RefinedConfig;
import java.io.BufferedReader;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.MessageType;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The {@code parquet} destination, the refined zone: each file version's rows become one Parquet
 * object under {@code DESTINATION_PREFIX year=/month=/day=/}, at a key made from the version alone
 * ({@link RefinedKeys}), so every delivery of a version writes the same object and a row is never
 * stored twice. Like the copy destination it keeps no ledger: writing the same version again writes
 * the same bytes to the same key. The processor then moves the source to processed/ as usual.
 *
 * <p>The file is read once, as a stream, conditionally on its etag; rows are converted one at a
 * time and written to a local Parquet file (memory is bounded by one row group per file being
 * written, at most {@link #WRITERS} at once), which is then uploaded with one PutObject.
 */
public final class ParquetDestination implements Destination {
    /** Files converted at once: each holds a row group in memory. */
    static final int WRITERS = 2;
    /** Athena and Spark read row groups of this order well; memory per writer is about one. */
    static final long ROW_GROUP_BYTES = 64L * 1024 * 1024;
    /** PutObject's limit: a larger output needs a multipart upload, which this destination does not make. */
    static final long MAX_OUTPUT_BYTES = 5L * 1024 * 1024 * 1024;

    private final S3Client s3;
    private final String bucket;
    private final String prefix;
    private final RefinedKeys keys;
    private final List<RefinedColumn> columns;
    private final MessageType schema;
    private final RefinedConfig.Codec codec;
    private final FileFormat format;
    private final CsvOptions csv;
    private final Compression compression;
    private final ExecutorService workers;
    private final Semaphore writers = new Semaphore(WRITERS);

    public ParquetDestination(S3Client s3, String bucket, String prefix, RefinedConfig refined, FileFormat format,
                              CsvOptions csv, Compression compression, ExecutorService workers) {
        this.s3 = s3;
        this.bucket = bucket;
        this.prefix = prefix;
        this.keys = new RefinedKeys(prefix);
        this.columns = refined.columns();
        this.schema = RefinedSchema.of(columns);
        this.codec = refined.codec();
        this.format = format;
        this.csv = csv;
        this.compression = compression;
        this.workers = workers;
    }

    @Override
    public List<LoadResult> load(List<FileMessage> files, String batchId, Deadline deadline) {
        List<Future<LoadResult>> futures = files.stream().map(f -> workers.submit(() -> refine(f, deadline))).toList();
        return futures.stream().map(Parallel::join).toList();
    }

    /** The read is conditional on the etag (If-Match): a 412 or 404 is {@link LoadResult.SourceChanged}. */
    @Override
    public boolean checksTheVersionItself() {
        return true;
    }

    /** Nothing is written to probe the refined zone: a probe object there would reach whatever reads it. */
    @Override
    public List<CheckItem> preflight() {
        return List.of(CheckItem.ok("parquet destination", "writes s3://" + bucket + "/" + prefix
                + "year=YYYY/month=MM/day=DD/*.parquet (not probed: the loader's role needs s3:PutObject there)"));
    }

    private LoadResult refine(FileMessage f, Deadline deadline) throws InterruptedException {
        writers.acquire();
        try {
            if (deadline.passed()) {
                return new LoadResult.Retry(f, "the batch's deadline passed before this file was converted");
            }
            return refine(f);
        } finally {
            writers.release();
        }
    }

    private LoadResult refine(FileMessage f) {
        Path local = null;
        try (ResponseInputStream<GetObjectResponse> in = s3.getObject(b -> b.bucket(f.bucket()).key(f.key()).ifMatch(f.etag()))) {
            if (in.response().eTag() != null && !RefinedKeys.bare(in.response().eTag()).equalsIgnoreCase(RefinedKeys.bare(f.etag()))) {
                // A store that ignores If-Match on GetObject answered another version: as 412 would have said.
                return new LoadResult.SourceChanged(f);
            }
            // The version's own LastModified, the same on every delivery (a message's may come from an event).
            Instant lastModified = in.response().lastModified() != null ? in.response().lastModified() : f.lastModified();
            String key = keys.key(f, lastModified);
            if (Layout.utf8Length(key) > Layout.MAX_KEY_BYTES) {
                return new LoadResult.Rejected(f, "refined key would exceed S3's 1024-byte limit: " + Layout.utf8Length(key)
                        + " bytes (DESTINATION_PREFIX is too long)", Map.of("refinedKeyBytes", Integer.toString(Layout.utf8Length(key))));
            }
            local = Files.createTempFile("s3loader-refined-", ".parquet");
            long rows = write(f, in, local);
            long bytes = Files.size(local);
            if (bytes > MAX_OUTPUT_BYTES) {
                return new LoadResult.Rejected(f, "its Parquet output is " + bytes + " bytes, over the 5 GiB a single"
                        + " PutObject takes: split the file", Map.of("outputBytes", Long.toString(bytes)));
            }
            s3.putObject(b -> b.bucket(bucket).key(key).contentType("application/vnd.apache.parquet"), RequestBody.fromFile(local));
            return new LoadResult.Loaded(f, rows);
        } catch (NoSuchKeyException e) {
            return new LoadResult.SourceChanged(f);
        } catch (S3Exception e) {
            if (e.statusCode() == 412 || e.statusCode() == 404) {
                return new LoadResult.SourceChanged(f);
            }
            return new LoadResult.Retry(f, "refined zone: " + e.getMessage());
        } catch (BadRowException e) {
            return new LoadResult.Rejected(f, e.getMessage(), e.detail());
        } catch (CharacterCodingException e) {
            return new LoadResult.Rejected(f, "the file is not UTF-8 text", Map.of());
        } catch (ZipException | EOFException e) {
            return new LoadResult.Rejected(f, "the file cannot be decompressed as gzip: " + e.getMessage(), Map.of());
        } catch (IOException | RuntimeException e) {
            return new LoadResult.Retry(f, "refined zone: " + e);
        } finally {
            if (local != null) {
                try {
                    Files.deleteIfExists(local);
                } catch (IOException ignored) {
                    // The next cold start's /tmp is fresh; a leftover costs space only.
                }
            }
        }
    }

    private long write(FileMessage f, InputStream body, Path local) throws IOException, BadRowException {
        InputStream raw = compression.gzip(f.key()) ? new GZIPInputStream(body, 64 * 1024) : body;
        var decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        BufferedReader text = new BufferedReader(new InputStreamReader(raw, decoder), 64 * 1024);
        RowSource rows = format == FileFormat.JSON ? new JsonRows(text, columns) : new CsvRows(text, csv, columns.size());
        Cells cells = new Cells(columns, schema);
        long count = 0;
        try (ParquetWriter<Group> out = ExampleParquetWriter.builder(new LocalOutputFile(local))
                .withConf(new PlainParquetConfiguration())
                .withType(schema)
                .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
                .withCodecFactory(new RefinedCodecs())
                .withCompressionCodec(RefinedCodecs.name(codec))
                .withRowGroupSize(ROW_GROUP_BYTES)
                .withExtraMetaData(Map.of("s3loader.source.bucket", f.bucket(), "s3loader.source.key", f.key(),
                        "s3loader.source.etag", RefinedKeys.bare(f.etag())))
                .build()) {
            for (RawRow r = rows.next(); r != null; r = rows.next()) {
                out.write(cells.convert(r));
                count++;
            }
        }
        return count;
    }
}
