package dev.s3loader.ops;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A {@code --since} value: an ISO-8601 instant, a date (its 00:00 UTC), or a duration back from now (90m, 2h, 7d, PT2H). */
final class Since {
    private static final Pattern SHORT = Pattern.compile("(\\d{1,9})([smhd])");

    private Since() {
    }

    static Instant parse(String option, String text, Instant now) {
        String t = text.trim();
        try {
            return Instant.parse(t);
        } catch (DateTimeParseException e) {
            // not an instant: a date?
        }
        try {
            // A date is its first instant, in UTC as every time s3loader shows.
            return java.time.LocalDate.parse(t).atStartOfDay(java.time.ZoneOffset.UTC).toInstant();
        } catch (DateTimeParseException e) {
            // not a date: a duration?
        }
        Duration back = null;
        Matcher m = SHORT.matcher(t);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            back = switch (m.group(2)) {
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
        } else if (t.startsWith("P") || t.startsWith("p")) {
            try {
                back = Duration.parse(t);
            } catch (DateTimeParseException e) {
                back = null;
            }
        }
        if (back == null || back.isNegative()) {
            throw new UsageException(option + " must be an ISO-8601 instant (2026-01-31T12:00:00Z), a date (2026-01-31, from"
                    + " 00:00 UTC) or a duration back from now (90m, 2h, 7d, PT2H), got '" + text + "'");
        }
        return now.minus(back);
    }
}
