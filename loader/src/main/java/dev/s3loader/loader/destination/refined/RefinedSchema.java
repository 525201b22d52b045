package dev.s3loader.loader.destination.refined;

import dev.s3loader.model.RefinedColumn;
import java.util.List;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;

/**
 * The Parquet schema of REFINED_COLUMNS: every column optional (a NULL field stays NULL); decimals
 * as INT32/INT64 up to 9/18 digits and fixed-length bytes above, as the Parquet spec recommends;
 * dates as DATE; timestamps as TIMESTAMP(MICROS, adjusted to UTC), which Athena, Spark and DuckDB
 * all read as an instant.
 */
final class RefinedSchema {
    private RefinedSchema() {
    }

    static MessageType of(List<RefinedColumn> columns) {
        Types.MessageTypeBuilder b = Types.buildMessage();
        for (RefinedColumn c : columns) {
            switch (c.type()) {
                case INT -> b.optional(PrimitiveTypeName.INT32).named(c.name());
                case LONG -> b.optional(PrimitiveTypeName.INT64).named(c.name());
                case DOUBLE -> b.optional(PrimitiveTypeName.DOUBLE).named(c.name());
                case BOOLEAN -> b.optional(PrimitiveTypeName.BOOLEAN).named(c.name());
                case STRING -> b.optional(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named(c.name());
                case DATE -> b.optional(PrimitiveTypeName.INT32).as(LogicalTypeAnnotation.dateType()).named(c.name());
                case TIMESTAMP -> b.optional(PrimitiveTypeName.INT64)
                        .as(LogicalTypeAnnotation.timestampType(true, LogicalTypeAnnotation.TimeUnit.MICROS)).named(c.name());
                case DECIMAL -> {
                    var decimal = LogicalTypeAnnotation.decimalType(c.scale(), c.precision());
                    if (c.precision() <= 9) {
                        b.optional(PrimitiveTypeName.INT32).as(decimal).named(c.name());
                    } else if (c.precision() <= 18) {
                        b.optional(PrimitiveTypeName.INT64).as(decimal).named(c.name());
                    } else {
                        b.optional(PrimitiveTypeName.FIXED_LEN_BYTE_ARRAY).length(decimalBytes(c.precision()))
                                .as(decimal).named(c.name());
                    }
                }
            }
        }
        return b.named("refined");
    }

    /** The fewest bytes whose two's complement holds every unscaled value of {@code precision} digits. */
    static int decimalBytes(int precision) {
        return (java.math.BigInteger.TEN.pow(precision).subtract(java.math.BigInteger.ONE).bitLength() + 1 + 7) / 8;
    }
}
