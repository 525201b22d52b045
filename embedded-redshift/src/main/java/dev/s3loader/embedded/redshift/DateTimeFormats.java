package dev.s3loader.embedded.redshift;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * How COPY reads DATE and TIMESTAMP values (copy-parameters-data-conversion, automatic-recognition).
 * Without DATEFORMAT / TIMEFORMAT Redshift expects {@code YYYY-MM-DD} and {@code YYYY-MM-DD HH:MI:SS}
 * (fractions of a second allowed); ISO 8601 with {@code T} and {@code Z} is one of the formats only
 * {@code 'auto'} recognises ("the 'auto' argument recognizes the following formats that aren't
 * supported when using a DATEFORMAT and TIMEFORMAT string": ISO 8601 2019-02-11T05:09:12.195Z).
 * {@code 'epochsecs'} and {@code 'epochmillisecs'} read numbers ("Automatic recognition doesn't
 * support epochsecs and epochmillisecs"). PostgreSQL accepts all of ISO 8601, so without this a
 * file that Redshift rejects would load here. Explicit format strings other than the default are
 * refused as not modelled.
 */
final class DateTimeFormats {
    enum Kind { DEFAULT, AUTO, EPOCHSECS, EPOCHMILLISECS }

    private static final Pattern DEFAULT_DATE = Pattern.compile("\\d{4}-\\d{1,2}-\\d{1,2}");
    private static final Pattern DEFAULT_TIMESTAMP = Pattern.compile(
            "\\d{4}-\\d{1,2}-\\d{1,2}(?: \\d{1,2}:\\d{2}(?::\\d{2}(?:\\.\\d{1,6})?)?)?");
    private static final Pattern NUMBER = Pattern.compile("-?\\d+(?:\\.\\d+)?");
    private static final DateTimeFormatter OUT = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS", Locale.ROOT);

    private DateTimeFormats() {
    }

    static Kind parse(String option, String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "auto" -> Kind.AUTO;
            case "epochsecs" -> Kind.EPOCHSECS;
            case "epochmillisecs" -> Kind.EPOCHMILLISECS;
            case "yyyy-mm-dd hh:mi:ss", "yyyy-mm-dd" -> Kind.DEFAULT;
            default -> throw new CopyCommand.Invalid(option + " '" + value + "' is not supported by the emulator "
                    + "(only 'auto', 'epochsecs', 'epochmillisecs' and the default)");
        };
    }

    /**
     * The value as PostgreSQL should read it, or empty when Redshift would reject it.
     *
     * @param timestamp a TIMESTAMP column (else DATE)
     */
    static Optional<String> read(Kind kind, boolean timestamp, String value) {
        String v = value.strip();
        return switch (kind) {
            case AUTO -> Optional.of(v);
            case DEFAULT -> (timestamp ? DEFAULT_TIMESTAMP : DEFAULT_DATE).matcher(v).matches()
                    ? Optional.of(v) : Optional.empty();
            case EPOCHSECS, EPOCHMILLISECS -> {
                if (!NUMBER.matcher(v).matches()) {
                    yield DEFAULT_TIMESTAMP.matcher(v).matches() ? Optional.of(v) : Optional.empty();
                }
                BigDecimal micros = new BigDecimal(v).movePointRight(kind == Kind.EPOCHSECS ? 6 : 3);
                Instant at = Instant.EPOCH.plusNanos(micros.longValue() * 1000);
                yield Optional.of(OUT.format(LocalDateTime.ofInstant(at, ZoneOffset.UTC)));
            }
        };
    }

    /** Redshift's load error text for a value it cannot read (STL_LOAD_ERRORS codes 1205 and 1206). */
    static String error(boolean timestamp, Kind kind) {
        return timestamp ? "Invalid timestamp format or value [" + format(kind, "YYYY-MM-DD HH24:MI:SS") + "]"
                : "Invalid Date Format - length must be 10 or more";
    }

    static int code(boolean timestamp) {
        return timestamp ? 1206 : 1205;
    }

    private static String format(Kind kind, String fallback) {
        return switch (kind) {
            case EPOCHSECS -> "epochsecs";
            case EPOCHMILLISECS -> "epochmillisecs";
            default -> fallback;
        };
    }
}
