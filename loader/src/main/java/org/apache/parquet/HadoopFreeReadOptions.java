package org.apache.parquet;

import java.util.Map;
import org.apache.parquet.bytes.HeapByteBufferAllocator;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.filter2.compat.FilterCompat;
import org.apache.parquet.format.converter.ParquetMetadataConverter;

/**
 * Read options built without Hadoop. parquet-java 1.18's {@code ParquetReadOptions.Builder}
 * constructs Hadoop's codec factory and input-format filter in its constructor, whatever
 * configuration it is given, and so fails with NoClassDefFoundError where hadoop-common is absent
 * (the loader's jar). The options' own constructor needs nothing of Hadoop but is package-private:
 * this class, in parquet's package (split packages are allowed on the class path, which is how
 * the loader runs), is the one place that calls it. Filters off: the loader reads every row.
 */
public final class HadoopFreeReadOptions {
    private HadoopFreeReadOptions() {
    }

    public static ParquetReadOptions with(CompressionCodecFactory codecs, int maxAllocationBytes) {
        return new ParquetReadOptions(false, false, false, false, false, false, false, false, false,
                FilterCompat.NOOP, ParquetMetadataConverter.NO_FILTER, codecs, new HeapByteBufferAllocator(),
                maxAllocationBytes, Map.of(), null, null, new PlainParquetConfiguration());
    }
}
