package dev.s3loader.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** The bench's outputs: the table on standard output, bench.json and backlog.svg in --out. */
public final class BenchReport {
    static final List<String> API_COLUMNS = List.of("PUT", "COPY", "LIST", "GET", "HEAD", "DELETE", "SQS");
    private static final String[] COLOURS = {"#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e"};

    private BenchReport() {
    }

    public static void print(BenchResult r, PrintStream out) {
        BenchOptions o = r.options();
        Mover s3loader = r.pipeline();
        out.println();
        out.printf(Locale.ROOT, "== %s  (%s UTC; %d cores; figures from one run on a shared machine are noisy)%n",
                r.command(), r.startedAt().toString().substring(0, 19).replace('T', ' '), Runtime.getRuntime().availableProcessors());
        out.printf(Locale.ROOT, "%,d files × %,d B, destination %s, same S3 server (embedded S3Proxy, on disk) for every mover%n",
                o.files(), o.fileBytes(), Bench.name(o.destination()));
        out.printf(Locale.ROOT, "%-22s %8s %9s %9s %9s %8s %9s %9s %10s  %s%n", "mover", "files", "seconds", "files/s",
                "rows/s", "MB/s", "p50 ms", "p99 ms", "s3loader÷", "how");
        for (Mover m : r.movers()) {
            // A database load compares rows/s (psql's files are not S3 objects); a mover compares files/s.
            boolean db = m.rows() > 0;
            double ratio = db ? s3loader.rowsPerSecond() / m.rowsPerSecond() : s3loader.filesPerSecond() / m.filesPerSecond();
            out.printf(Locale.ROOT, "%-22s %8d %9.1f %9.1f %9s %8.2f %9s %9s %10s  %s%n", m.name(), m.files(), m.seconds(),
                    m.filesPerSecond(), db ? String.format(Locale.ROOT, "%.0f", m.rowsPerSecond()) : "-",
                    m.megabytesPerSecond(), ms(m.p50Millis()), ms(m.p99Millis()),
                    m == s3loader ? "1.00" : String.format(Locale.ROOT, "%.2f", ratio), m.command());
        }
        if (!r.largeCopies().isEmpty()) {
            Mover ours = r.largeCopies().get(0);
            Mover loader = loaderOnly(r);
            out.printf(Locale.ROOT, "%nlarge file, %s:%n", Bench.human(ours.bytes()));
            for (Mover m : r.largeCopies()) {
                out.printf(Locale.ROOT, "  %-18s %8.1f s %8.1f MB/s  s3loader÷ %.2f%s  (%s)%n", m.name(), m.seconds(),
                        m.megabytesPerSecond(), m == ours ? 1.0 : m.seconds() / ours.seconds(),
                        loader == null || m == ours ? "" : String.format(Locale.ROOT, "  loader÷ %.2f", m.seconds() / loader.seconds()),
                        m.command());
            }
        }
        out.printf(Locale.ROOT, "%nrequests per file, by API (counted by an SDK ExecutionInterceptor on the mover's clients;"
                + " every attempt counts)%n");
        out.printf(Locale.ROOT, "%-22s", "mover");
        API_COLUMNS.forEach(c -> out.printf(Locale.ROOT, " %7s", c));
        out.printf(Locale.ROOT, " %9s %14s%n", "billable", "USD/M files");
        for (Mover m : r.movers().stream().filter(Mover::metered).toList()) {
            Map<String, Long> byApi = byApi(m.requests());
            out.printf(Locale.ROOT, "%-22s", m.name());
            API_COLUMNS.forEach(c -> out.printf(Locale.ROOT, " %7.3f", byApi.getOrDefault(c, 0L) / (double) m.files()));
            out.printf(Locale.ROOT, " %9.3f %14.2f%n", PriceList.billable(m.requests()) / (double) m.files(),
                    PriceList.cost(m.requests()) / m.files() * 1_000_000);
        }
        out.printf(Locale.ROOT, "  %s%n", prices());
        out.printf(Locale.ROOT, "  s3loader's requests by operation: %s%n", s3loader.requests());
        r.largeCopies().stream().filter(Mover::metered).findFirst().ifPresent(m -> out.printf(Locale.ROOT,
                "  s3loader's S3 requests while it moved the large file (idle polling aside): %s%n",
                m.requests().entrySet().stream().filter(e -> e.getKey().startsWith("S3 ")).toList()));
        out.printf(Locale.ROOT, "%nlatency: s3loader from each file's drop (LastModified, or the run's start for a file already"
                + " waiting) to its source's deletion, seen by the loader's step hook; peers from their start%n");
        out.printf(Locale.ROOT, "checked after the run: %s%n", r.verified());
        r.notes().forEach(n -> out.println("note: " + n));
    }

    static String prices() {
        return String.format(Locale.ROOT, "prices: %s, S3 Standard $%.4f per 1,000 PUT/COPY/POST/LIST, $%.4f per 1,000 GET/HEAD,"
                        + " DELETE free; SQS standard $%.2f per million requests; list prices as of %s", PriceList.REGION,
                PriceList.S3_CLASS_A_PER_1000, PriceList.S3_CLASS_B_PER_1000, PriceList.SQS_PER_MILLION, PriceList.AS_OF);
    }

    static Map<String, Long> byApi(Map<String, Long> requests) {
        Map<String, Long> out = new TreeMap<>();
        requests.forEach((k, v) -> out.merge(PriceList.apiLabel(k), v, Long::sum));
        return out;
    }

    private static String ms(long millis) {
        return millis < 0 ? "-" : Long.toString(millis);
    }

    public static void write(BenchResult r, Path dir) {
        try {
            Files.createDirectories(dir);
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                    .writeValue(dir.resolve("bench.json").toFile(), json(r));
            Files.writeString(dir.resolve("backlog.svg"), svg(r), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the bench's results to " + dir, e);
        }
    }

    static Map<String, Object> json(BenchResult r) {
        BenchOptions o = r.options();
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("command", r.command());
        root.put("startedAt", r.startedAt().toString());
        root.put("cores", Runtime.getRuntime().availableProcessors());
        root.put("files", o.files());
        root.put("fileBytes", o.fileBytes());
        root.put("largeBytes", r.largeCopies().isEmpty() ? 0 : r.largeCopies().get(0).bytes());
        root.put("destination", Bench.name(o.destination()));
        root.put("listIntervalSeconds", o.listInterval().toSeconds());
        root.put("pipelineSettings", r.settings());
        root.put("seeding", r.seeding());
        Mover ours = r.pipeline();
        List<Map<String, Object>> movers = new ArrayList<>();
        for (Mover m : r.movers()) {
            Map<String, Object> j = mover(m);
            boolean db = m.rows() > 0;
            double rate = db ? m.rowsPerSecond() : m.filesPerSecond();
            j.put("s3loaderRatio", (db ? ours.rowsPerSecond() : ours.filesPerSecond()) / rate);
            movers.add(j);
        }
        root.put("movers", movers);
        List<Map<String, Object>> large = new ArrayList<>();
        Mover loader = loaderOnly(r);
        for (Mover m : r.largeCopies()) {
            Map<String, Object> j = mover(m);
            j.put("s3loaderRatio", m.seconds() / r.largeCopies().get(0).seconds());
            if (loader != null) {
                j.put("loaderRatio", m.seconds() / loader.seconds());
            }
            large.add(j);
        }
        root.put("largeFile", large);
        Map<String, Object> prices = new LinkedHashMap<>();
        prices.put("region", PriceList.REGION);
        prices.put("asOf", PriceList.AS_OF);
        prices.put("s3ClassAPer1000", PriceList.S3_CLASS_A_PER_1000);
        prices.put("s3ClassBPer1000", PriceList.S3_CLASS_B_PER_1000);
        prices.put("sqsPerMillion", PriceList.SQS_PER_MILLION);
        root.put("prices", prices);
        root.put("verified", r.verified());
        Map<String, Object> versions = new LinkedHashMap<>();
        versions.put("rclone", r.rcloneVersion());
        versions.put("psql", r.psqlVersion());
        versions.put("java", System.getProperty("java.version"));
        root.put("versions", versions);
        List<Map<String, Object>> traces = new ArrayList<>();
        for (BacklogTrace t : r.traces()) {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("name", t.name());
            j.put("points", t.points());
            traces.add(j);
        }
        root.put("backlog", traces);
        root.put("notes", r.notes());
        return root;
    }

    private static Map<String, Object> mover(Mover m) {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("name", m.name());
        j.put("how", m.command());
        j.put("files", m.files());
        j.put("bytes", m.bytes());
        j.put("seconds", m.seconds());
        j.put("filesPerSecond", m.filesPerSecond());
        j.put("megabytesPerSecond", m.megabytesPerSecond());
        if (m.rows() > 0) {
            j.put("rows", m.rows());
            j.put("rowsPerSecond", m.rowsPerSecond());
        }
        j.put("latencyP50Millis", m.p50Millis() < 0 ? null : m.p50Millis());
        j.put("latencyP99Millis", m.p99Millis() < 0 ? null : m.p99Millis());
        if (m.metered()) {
            j.put("requests", m.requests());
            Map<String, Double> perFile = new TreeMap<>();
            byApi(m.requests()).forEach((k, v) -> perFile.put(k, v / (double) m.files()));
            j.put("requestsPerFileByApi", perFile);
            j.put("billableRequestsPerFile", PriceList.billable(m.requests()) / (double) m.files());
            j.put("usdPerMillionFiles", PriceList.cost(m.requests()) / m.files() * 1_000_000);
        }
        return j;
    }

    /** Backlog over time, one line per mover, in plain SVG (no library). */
    static String svg(BenchResult r) {
        int w = 800;
        int h = 420;
        int left = 70;
        int right = 220;
        int top = 40;
        int bottom = 50;
        double maxT = 1;
        double maxB = 1;
        for (BacklogTrace t : r.traces()) {
            for (double[] p : t.points()) {
                maxT = Math.max(maxT, p[0]);
                maxB = Math.max(maxB, p[1]);
            }
        }
        double plotW = w - left - right;
        double plotH = h - top - bottom;
        StringBuilder s = new StringBuilder();
        s.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">%n", w, h, w, h));
        s.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", w, h));
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"22\" font-size=\"14\">%s</text>%n", left,
                escape("Backlog over time: " + r.command())));
        // Axes, with five ticks each.
        s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>%n",
                left, top, left, h - bottom));
        s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"black\"/>%n",
                left, h - bottom, left + plotW, h - bottom));
        for (int i = 0; i <= 5; i++) {
            double x = left + plotW * i / 5;
            double y = h - bottom - plotH * i / 5;
            s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%.0f</text>%n",
                    x, h - bottom + 16, maxT * i / 5));
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.0f</text>%n",
                    left - 6, y + 4, maxB * i / 5));
            s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>%n",
                    left, y, left + plotW, y));
        }
        s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">seconds since the mover started</text>%n",
                left + plotW / 2, h - 12));
        s.append(String.format(Locale.ROOT, "<text x=\"16\" y=\"%.1f\" transform=\"rotate(-90 16 %.1f)\" text-anchor=\"middle\">"
                + "files waiting</text>%n", top + plotH / 2, top + plotH / 2));
        int i = 0;
        for (BacklogTrace t : r.traces()) {
            String colour = COLOURS[i % COLOURS.length];
            StringBuilder pts = new StringBuilder();
            for (double[] p : t.points()) {
                pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", left + plotW * p[0] / maxT, h - bottom - plotH * p[1] / maxB));
            }
            s.append(String.format(Locale.ROOT, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"%s\"/>%n",
                    colour, pts.toString().trim()));
            double ly = top + 10 + i * 20;
            s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"3\"/>%n",
                    left + plotW + 12, ly, left + plotW + 32, ly, colour));
            s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\">%s</text>%n", left + plotW + 38, ly + 4,
                    escape(t.name())));
            i++;
        }
        s.append("</svg>\n");
        return s.toString();
    }

    static String escape(String text) {
        StringBuilder b = new StringBuilder();
        for (char c : text.toCharArray()) {
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                default -> b.append(c < 0x20 ? ' ' : c);
            }
        }
        return b.toString();
    }

    /** The large file's loader-only row (batch start → processed/), if the run has one. */
    private static Mover loaderOnly(BenchResult r) {
        return r.largeCopies().stream().filter(m -> m.name().equals(Bench.LOADER_ONLY)).findFirst().orElse(null);
    }
}
