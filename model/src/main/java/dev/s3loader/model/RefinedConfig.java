package dev.s3loader.model;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the {@code parquet} destination (the refined zone) reads besides DESTINATION_BUCKET,
 * DESTINATION_PREFIX and the input's FILE_FORMAT, CSV_* and COMPRESSION.
 *
 * @param columns the Parquet schema, in the order of the CSV fields; empty unless DESTINATION is parquet
 * @param codec   the Parquet files' compression
 */
public record RefinedConfig(List<RefinedColumn> columns, Codec codec) {
    /** The refined zone's default prefix, in the pipeline bucket. */
    public static final String DEFAULT_PREFIX = "refined/";

    /** Parquet's own page compression. */
    public enum Codec {
        SNAPPY, ZSTD, NONE
    }

    public static final Map<String, String> VARIABLES = variables();

    private static Map<String, String> variables() {
        Map<String, String> v = new LinkedHashMap<>();
        v.put(RefinedColumn.VARIABLE, "parquet: the Parquet columns as name:type,... in the order of the CSV fields (JSON: keys matched"
                + " by name); types int, long, double, decimal(p,s), string, boolean, date, timestamp (required for parquet)");
        v.put("REFINED_COMPRESSION", "parquet: snappy, zstd or none (default: snappy)");
        return java.util.Collections.unmodifiableMap(v);
    }

    public RefinedConfig {
        columns = List.copyOf(columns);
    }

    /** Reads both variables whatever the destination (so their form is checked); REFINED_COLUMNS is required for parquet. */
    public static RefinedConfig fromEnv(Env env, DestinationKind destination) {
        List<RefinedColumn> columns = env.optional(RefinedColumn.VARIABLE).map(RefinedColumn::parseList).orElse(List.of());
        if (destination == DestinationKind.PARQUET && columns.isEmpty()) {
            throw new ConfigException(RefinedColumn.VARIABLE + " is required for DESTINATION parquet: the columns as"
                    + " name:type,..., e.g. id:long,amount:decimal(10,2),sold_on:date");
        }
        return new RefinedConfig(columns, env.choice("REFINED_COMPRESSION", Codec.class, Codec.SNAPPY));
    }
}
