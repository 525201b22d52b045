package dev.s3loader.loader.destination.redshift;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.s3loader.loader.TransientLoadException;
import dev.s3loader.model.Compression;
import dev.s3loader.model.FileMessage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.logging.Logger;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The objects one load attempt reads: a COPY manifest per compression (Redshift's GZIP, ZSTD and
 * BZIP2 apply to a whole COPY, and are decided by the file's own key) naming each file by its staging copy,
 * and the file list (key hash, key, etag, size, batch) for the ledger, as CSV. Every attempt gets
 * fresh names, so two workers never share a manifest.
 */
final class Manifests {
    private static final Logger LOG = Logger.getLogger(Manifests.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();

    private final S3Client s3;
    private final String bucket;
    private final String prefix;
    private final Compression compression;

    Manifests(S3Client s3, String bucket, String prefix, Compression compression) {
        this.s3 = s3;
        this.bucket = bucket;
        this.prefix = prefix;
        this.compression = compression;
    }

    /** What was written for one attempt. */
    record Written(String filesUrl, List<RedshiftSql.CopyGroup> groups, List<String> keys) {
    }

    /** @param staged each file's staging key, in the staging bucket ({@link #bucket}) */
    Written write(List<FileMessage> files, Map<FileMessage, String> staged, String batchId) {
        String base = prefix + batchId.replaceAll("[^A-Za-z0-9_-]", "_") + "-" + UUID.randomUUID();
        Map<Compression, List<FileMessage>> byCompression = new LinkedHashMap<>();
        for (FileMessage f : files) {
            byCompression.computeIfAbsent(compression.of(f.key()), g -> new ArrayList<>()).add(f);
        }
        List<String> keys = new ArrayList<>();
        List<RedshiftSql.CopyGroup> groups = new ArrayList<>();
        try {
            for (Map.Entry<Compression, List<FileMessage>> g : byCompression.entrySet()) {
                String key = base + (g.getKey() == Compression.NONE ? "" : "." + g.getKey().label()) + ".manifest";
                put(key, manifest(g.getValue(), staged), "application/json");
                keys.add(key);
                groups.add(new RedshiftSql.CopyGroup(url(bucket, key), g.getKey()));
            }
            String filesKey = base + ".files.csv";
            put(filesKey, fileList(files, batchId), "text/csv");
            keys.add(filesKey);
            return new Written(url(bucket, filesKey), groups, keys);
        } catch (SdkException e) {
            delete(keys);
            throw new TransientLoadException("cannot write the batch manifest to s3://" + bucket + "/" + prefix + ": "
                    + e.getMessage(), e);
        }
    }

    void delete(List<String> keys) {
        for (String k : keys) {
            try {
                s3.deleteObject(b -> b.bucket(bucket).key(k));
            } catch (SdkException e) {
                LOG.info("could not delete manifest s3://" + bucket + "/" + k + ": " + e.getMessage());
            }
        }
    }

    /** {@code s3://bucket/key} with the key exactly as it is: Redshift does not decode manifest URLs. */
    static String url(String bucket, String key) {
        return "s3://" + bucket + "/" + key;
    }

    String manifest(List<FileMessage> files, Map<FileMessage, String> staged) {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode entries = root.putArray("entries");
        for (FileMessage f : files) {
            ObjectNode e = entries.addObject();
            e.put("url", url(bucket, staged.get(f)));
            e.put("mandatory", true);
            e.putObject("meta").put("content_length", f.size());
        }
        return root.toString();
    }

    /** Every field quoted, quotes doubled: any key (commas, quotes, line breaks) is one CSV field. */
    static String fileList(List<FileMessage> files, String batchId) {
        StringBuilder b = new StringBuilder();
        for (FileMessage f : files) {
            b.append(csv(LedgerId.keyHash(f.key()))).append(',').append(csv(f.key())).append(',')
                    .append(csv(f.etag())).append(',').append(f.size()).append(',')
                    .append(csv(batchId)).append('\n');
        }
        return b.toString();
    }

    private static String csv(String v) {
        return '"' + v.replace("\"", "\"\"") + '"';
    }

    private void put(String key, String body, String type) {
        s3.putObject(b -> b.bucket(bucket).key(key).contentType(type), RequestBody.fromString(body));
    }
}
