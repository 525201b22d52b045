package dev.s3loader.bench;

import dev.s3loader.embedded.EmbeddedPostgres;
import dev.s3loader.local.LocalRuntime;
import dev.s3loader.local.SampleSet;
import dev.s3loader.model.ErrorReport;
import dev.s3loader.model.Layout;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.EncodingType;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The demo's database check: the table holds exactly the rows of the files in processed/ (each
 * once), and the malformed file's report names its bad line.
 */
final class RowCheck {
    private RowCheck() {
    }

    static boolean print(EmbeddedPostgres pg, List<SampleSet.SampleFile> sample, Layout layout, S3Client s3,
                         String bucket, PrintStream out) {
        Set<String> processed = new HashSet<>();
        for (S3Object o : s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(layout.processed())
                .encodingType(EncodingType.URL)).contents()) {
            // Below processed/ by PROCESSED_KEY_TEMPLATE's partitions, if set: compare relative keys.
            layout.relativeOfProcessed(o.key()).ifPresent(processed::add);
        }
        long expected = sample.stream()
                .filter(f -> processed.contains(f.relativeKey()))
                .mapToLong(SampleSet.SampleFile::rows).sum();
        try (Connection c = pg.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*), count(DISTINCT id), min(id), max(id), sum(amount) FROM "
                     + LocalRuntime.SAMPLE_TABLE)) {
            rs.next();
            long rows = rs.getLong(1);
            boolean ok = rows == expected && rs.getLong(2) == rows;
            out.printf("rows in %s        %d (expected %d from the files in processed/) %s%n", LocalRuntime.SAMPLE_TABLE,
                    rows, expected, ok ? "exact" : "MISMATCH");
            out.printf("sample query       SELECT count(*), min(id), max(id), sum(amount) → %d, %d, %d, %s%n",
                    rows, rs.getLong(3), rs.getLong(4), rs.getBigDecimal(5));
            String reportKey = layout.errorReportKey(layout.incoming() + SampleSet.MALFORMED_KEY);
            try {
                ErrorReport report = ErrorReport.fromJson(s3.getObjectAsBytes(b -> b.bucket(bucket).key(reportKey)).asUtf8String());
                out.printf("malformed file     failed/ with \"%s\" %s%n", report.reason(), report.detail());
            } catch (RuntimeException e) {
                out.printf("malformed file     no error report at %s%n", reportKey);
                ok = false;
            }
            return ok;
        } catch (SQLException e) {
            out.println("row check failed: " + e.getMessage());
            return false;
        }
    }
}
