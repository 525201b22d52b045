package dev.s3loader.ops;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.s3loader.loader.ObjectCopier;
import dev.s3loader.clients.Etags;
import dev.s3loader.clients.S3Objects;
import dev.s3loader.loader.ObjectCopier;
import dev.s3loader.model.Env;
import dev.s3loader.model.ErrorReport;
import dev.s3loader.model.Layout;
import dev.s3loader.model.LoaderConfig;
import dev.s3loader.ops.text.Printable;
import dev.s3loader.ops.repair.FailedFile;
import dev.s3loader.ops.repair.ListerStateEditor;
import dev.s3loader.ops.repair.Requeue;
import java.io.PrintStream;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * {@code s3loader requeue}: puts files from failed/ back into incoming/ once the cause of their
 * failure is fixed, clearing their attempts in the lister's state, so that each loads exactly once.
 */
@Command(name = "requeue", mixinStandardHelpOptions = true,
        description = {"Puts files from failed/ back into incoming/, to load each once.",
                "Once the cause is fixed: copies each file back to incoming/, removes it and its error report from failed/ "
                        + "and clears its attempts in the lister's state, so that the next lister run dispatches it once. "
                        + "Safe to run again after an interruption. A file a producer has since dropped under the same key "
                        + "in incoming/ is never overwritten: that failed file is skipped and named. "
                        + "Without --yes it only says what it would do.",
                "Exit status: 0 done (or dry run), 1 some files were skipped, 2 bad arguments, 3 it could not finish.", ""})
final class RequeueCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Map<String, String> env;
    private final PrintStream out;

    @Mixin
    ConnectionOptions connection = new ConnectionOptions();

    @Option(names = "--prefix", paramLabel = "P", defaultValue = "",
            description = "only files below failed/P (P relative to failed/, e.g. 2026/01/; a P that starts with failed/ is taken as the whole prefix)")
    String prefix;

    @Option(names = "--since", paramLabel = "T",
            description = "only files that failed at or after T: an ISO-8601 instant (2026-01-31T12:00:00Z) or a duration back from now (90m, 2h, 7d)")
    String since;

    @Mixin
    ChangeOptions change = new ChangeOptions();

    @Option(names = "--concurrency", paramLabel = "N", defaultValue = "8", description = "files moved at once (default: ${DEFAULT-VALUE})")
    int concurrency;

    @Option(names = "--sample", paramLabel = "N", defaultValue = "10", description = "keys shown (counts are always exact; default: ${DEFAULT-VALUE})")
    int sample;

    RequeueCommand(Map<String, String> env, PrintStream out) {
        this.env = env;
        this.out = out;
    }

    @Override
    public Integer call() {
        if (concurrency < 1 || concurrency > 64) {
            throw new UsageException("--concurrency must be between 1 and 64, got " + concurrency);
        }
        if (sample < 0 || sample > 10_000) {
            throw new UsageException("--sample must be between 0 and 10000, got " + sample);
        }
        if (prefix.startsWith("/")) {
            throw new UsageException("--prefix is relative to failed/ and must not start with '/', got '" + prefix + "'");
        }
        for (String segment : prefix.split("/", -1)) {
            if (segment.equals(".") || segment.equals("..")) {
                throw new UsageException("--prefix must stay inside failed/ (it is relative to failed/, e.g. 2026/01/): no '.' or"
                        + " '..' segment, got '" + prefix + "'");
            }
        }
        Instant now = Instant.now();
        Optional<Instant> from = Optional.ofNullable(since).map(s -> Since.parse("--since", s, now));
        String bucket = connection.bucket(env);
        Env settings = new Env(env);
        Layout layout = Layout.fromEnv(settings);
        String relative = prefix.startsWith(layout.failed()) ? prefix.substring(layout.failed().length()) : prefix;
        long threshold = settings.longValue("MULTIPART_THRESHOLD_BYTES", 5 * LoaderConfig.GIB, 5 * LoaderConfig.MIB, 5 * LoaderConfig.GIB);
        long partSize = settings.longValue("MULTIPART_PART_BYTES", Math.min(512 * LoaderConfig.MIB, threshold), 5 * LoaderConfig.MIB,
                threshold);
        Requeue.Filter filter = new Requeue.Filter(relative, from);

        ExecutorService parts = Executors.newFixedThreadPool(4, Thread.ofPlatform().name("s3loader-part-", 0).daemon(true).factory());
        try (S3Client s3 = connection.s3(env)) {
            Requeue requeue = new Requeue(s3, bucket, layout, new ObjectCopier(s3, threshold, partSize, parts), concurrency);
            ListerStateEditor state = new ListerStateEditor(s3, bucket, layout.listerStateKey(), 10);
            Requeue.Plan plan = Repairs.readable(bucket, () -> requeue.plan(filter, sample, state.read()));
            ObjectNode j = JSON.createObjectNode();
            j.put("verb", "requeue").put("dryRun", !change.yes).put("bucket", bucket).put("from", layout.failed() + relative)
                    .put("to", layout.incoming() + relative);
            if (from.isPresent()) {
                j.put("since", from.get().toString());
            } else {
                j.putNull("since");
            }
            j.put("files", plan.files()).put("bytes", plan.bytes()).put("stateEntries", plan.stateEntries());
            ArrayNode sampled = j.putArray("sample");
            if (!change.json && !prefix.equals(relative)) {
                // Said, not silent: 'failed/' could be read as failed/failed/.
                out.println("--prefix '" + prefix + "' starts with " + layout.failed() + ", so it is taken as the whole prefix: "
                        + (relative.isEmpty() ? "every file in " + layout.failed() : "the files below " + layout.failed() + relative)
                        + " (a prefix such as 2026/01/ is relative to " + layout.failed() + ")");
            }
            if (!change.json) {
                out.println("requeue: " + Confirm.plural(plan.files(), "file", "files") + " (" + Confirm.bytes(plan.bytes())
                        + ") in s3://" + bucket + "/" + layout.failed() + relative
                        + from.map(f -> " failed since " + f).orElse("") + " go back to " + layout.incoming() + relative);
            }
            for (FailedFile f : plan.sample()) {
                String reason = reason(s3, bucket, layout, f);
                boolean taken = f.incomingKey() != null && S3Objects.exists(s3, bucket, f.incomingKey());
                sampled.addObject().put("key", f.failedKey()).put("incomingKey", f.incomingKey()).put("size", f.size())
                        .put("lastModified", f.lastModified().toString()).put("reason", reason).put("incomingExists", taken);
                if (!change.json) {
                    out.println("  " + Printable.key(f.failedKey()) + "  " + oneLine(reason)
                            + (taken ? "  [incoming/ already holds this key: skipped unless it is this same file]" : ""));
                }
            }
            if (!change.json) {
                if (plan.files() > plan.sample().size()) {
                    out.println("  … and " + (plan.files() - plan.sample().size()) + " more");
                }
                if (plan.stateEntries() > 0) {
                    out.println("  " + Confirm.plural(plan.stateEntries(), "of them is", "of them are")
                            + " in the lister's state: " + (plan.stateEntries() == 1 ? "its" : "their") + " attempts are cleared");
                }
            }
            if (!change.yes || plan.files() == 0) {
                return finish(j, plan.files() == 0 ? "nothing to requeue" : Confirm.DRY_RUN, 0);
            }
            Requeue.Result r;
            try (Progress progress = Progress.onStderr("requeue", plan.files())) {
                r = requeue.run(filter, state, progress, 100);
            }
            j.put("requeued", r.moved()).put("copied", r.requeued()).put("alreadyInIncoming", r.alreadyInIncoming())
                    .put("gone", r.gone()).put("skipped", r.skippedCount()).put("stateEntriesCleared", r.stateEntriesCleared());
            ArrayNode skipped = j.putArray("skippedFiles");
            for (Requeue.Skipped s : r.skipped()) {
                skipped.addObject().put("key", s.file().failedKey()).put("incomingKey", s.file().incomingKey())
                        .put("outcome", s.outcome().name()).put("why", why(s));
            }
            if (!change.json) {
                out.println("requeued " + r.moved() + ": " + r.requeued() + " copied to " + layout.incoming() + ", "
                        + r.alreadyInIncoming() + " already copied by an earlier run; skipped " + r.skippedCount()
                        + (r.gone() > 0 ? "; " + r.gone() + " gone from failed/ meanwhile" : "")
                        + "; lister state entries cleared: " + r.stateEntriesCleared());
                for (Requeue.Skipped s : r.skipped()) {
                    out.println("  skipped " + Printable.key(s.file().failedKey()) + ": " + why(s));
                }
                if (r.skippedCount() > r.skipped().size()) {
                    out.println("  … and " + (r.skippedCount() - r.skipped().size()) + " more skipped (see --json)");
                }
            }
            return finish(j, null, r.skippedCount() > 0 ? S3LoaderCommand.FOUND : S3LoaderCommand.OK);
        } finally {
            parts.shutdownNow();
        }
    }

    private int finish(ObjectNode j, String line, int status) {
        if (change.json) {
            out.println(j.toString());
        } else if (line != null) {
            out.println(line);
        }
        out.flush();
        return status;
    }

    private static String why(Requeue.Skipped s) {
        return switch (s.outcome()) {
            case SKIPPED_INCOMING_DIFFERS -> Printable.key(s.file().incomingKey())
                    + " holds a different file (a producer dropped it since); left in failed/";
            case SKIPPED_CHANGED -> "it was replaced in failed/ while being requeued; left as it is, run again";
            case SKIPPED_KEY_TOO_LONG -> "its incoming/ key would exceed S3's 1,024-byte limit; left in failed/";
            default -> s.outcome().name();
        };
    }

    /** The reason in the file's error report, or why there is none. */
    private static String reason(S3Client s3, String bucket, Layout layout, FailedFile f) {
        if (f.incomingKey() == null) {
            return "(key too long for incoming/)";
        }
        try {
            ErrorReport report = ErrorReport.fromJson(s3.getObjectAsBytes(b -> b.bucket(bucket)
                    .key(layout.errorReportKey(f.incomingKey()))).asUtf8String());
            // The report names the version that failed; a file replaced in failed/ since is the corrected one.
            boolean changed = report.etag() != null && !Etags.same(report.etag(), f.etag());
            return (changed ? "[changed since it failed (a corrected upload?); the reason was for the earlier version] " : "")
                    + report.reason();
        } catch (software.amazon.awssdk.services.s3.model.NoSuchKeyException e) {
            return "(no error report)";
        } catch (IllegalArgumentException e) {
            return "(unreadable error report)";
        }
    }

    private static String oneLine(String s) {
        String line = s.replaceAll("[\\r\\n\\t]+", " ").strip();
        return line.length() > 160 ? line.substring(0, 157) + "…" : line;
    }
}
