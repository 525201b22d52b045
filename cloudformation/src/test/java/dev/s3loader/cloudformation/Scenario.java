package dev.s3loader.cloudformation;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A deployment the checks evaluate the template for: parameter values as a user would pass them
 * to scripts/deploy. Together they take every branch of every condition.
 */
record Scenario(String name, Map<String, String> parameters) {
    /** What scripts/package always supplies. */
    static final Map<String, String> CODE = Map.of(
            "ArtifactsBucket", "s3loader-artifacts-123456789012-eu-west-1",
            "ListerCodeKey", "s3loader/lister-0123456789abcdef.jar",
            "LoaderCodeKey", "s3loader/loader-fedcba9876543210.jar");

    static final String SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:s3loader/db-AbCdEf";
    static final String WORKGROUP_ID = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
    static final String COPY_ROLE = "arn:aws:iam::123456789012:role/redshift-copy";
    /** A PEM file the checks can read, standing for the RDS CA bundle a layer would hold. */
    static final String CA_BUNDLE = "src/test/resources/test-ca.pem";

    static List<Scenario> all() {
        return List.of(
                of("copy, defaults"),
                of("copy, existing bucket, archive elsewhere, named pipeline",
                        "ExistingBucketName", "producer-drops", "DestinationBucketName", "archive-bucket",
                        "DestinationPrefix", "archive/", "PipelineName", "orders", "AlarmEmail", "ops@example.com",
                        "ProcessedRetentionDays", "0", "BatchSize", "500", "MaximumBatchingWindowInSeconds", "20",
                        "MaxConcurrency", "50", "LoaderTimeoutSeconds", "900", "RequeueAfterMinutes", "120", "MaxReceiveCount", "8",
                        "ListerRunForSeconds", "45", "IncomingPrefix", "in/", "ProcessedPrefix", "done/",
                        "FailedPrefix", "bad/", "InternalPrefix", ".s3loader/",
                        "ProcessedKeyTemplate", "{yyyy}/{MM}/{dd}/{HH}/{key}"),
                of("postgres in a VPC",
                        "Destination", "postgres", "DatabaseSecretArn", SECRET, "TargetTable", "public.orders",
                        "LoaderSubnetIds", "subnet-0a1b2c3d,subnet-4e5f6a7b", "LoaderSecurityGroupIds", "sg-0123abcd",
                        "LoadMode", "merge", "MergeKeyColumns", "order_id", "CsvHeader", "true", "LoaderTimeoutSeconds", "60",
                        "PostgresCaBundlePath", CA_BUNDLE, "LoaderLayerArns",
                        "arn:aws:lambda:eu-west-1:123456789012:layer:rds-ca:1"),
                of("postgres, public endpoint", "Destination", "postgres", "DatabaseSecretArn", SECRET,
                        "TargetTable", "orders", "FileFormat", "json", "Compression", "gzip",
                        "PostgresSslMode", "verify-ca", "PostgresCaBundlePath", CA_BUNDLE,
                        "ProcessedKeyTemplate", "year={yyyy}/month={MM}/day={dd}/{key}", "ProcessedKeyTime", "load"),
                of("redshift serverless, IAM identity", "Destination", "redshift", "RedshiftWorkgroup", "analytics",
                        "RedshiftWorkgroupId", WORKGROUP_ID, "RedshiftDatabase", "dev", "RedshiftCopyRoleArn", COPY_ROLE, "TargetTable", "public.orders",
                        "BatchSize", "1000", "MaximumBatchingWindowInSeconds", "60"),
                of("redshift serverless, secret", "Destination", "redshift", "RedshiftWorkgroup", "analytics",
                        "RedshiftWorkgroupId", WORKGROUP_ID,
                        "DatabaseSecretArn", SECRET, "RedshiftCopyRoleArn", COPY_ROLE, "TargetTable", "orders"),
                of("redshift cluster, database user", "Destination", "redshift", "RedshiftClusterId", "warehouse",
                        "DatabaseUser", "loader", "RedshiftCopyRoleArn", COPY_ROLE, "TargetTable", "orders"),
                of("redshift cluster, IAM identity", "Destination", "redshift", "RedshiftClusterId", "warehouse",
                        "RedshiftCopyRoleArn", COPY_ROLE, "TargetTable", "orders"),
                of("redshift serverless, existing SSE-KMS bucket", "Destination", "redshift", "RedshiftWorkgroup", "analytics",
                        "RedshiftWorkgroupId", WORKGROUP_ID, "RedshiftCopyRoleArn", COPY_ROLE, "TargetTable", "orders",
                        "ExistingBucketName", "producer-drops",
                        "ExistingBucketKmsKeyArn", "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"),
                of("copy, event fast path", "EventFastPath", "true", "EventGraceMinutes", "10", "IncomingPrefix", "drop/"),
                of("parquet, defaults", "Destination", "parquet", "RefinedColumns", "id:long,amount:decimal(10,2),sold_on:date"),
                of("parquet, existing bucket, refined zone elsewhere", "Destination", "parquet", "ExistingBucketName",
                        "producer-drops", "DestinationBucketName", "lake-bucket", "DestinationPrefix", "lake/refined/orders/",
                        "RefinedColumns", "id:long,note:string", "RefinedCompression", "zstd", "FileFormat", "json"),
                of("postgres, existing bucket, event fast path", "ExistingBucketName", "producer-drops", "EventFastPath", "true",
                        "Destination", "postgres", "DatabaseSecretArn", SECRET, "TargetTable", "orders",
                        "PostgresCaBundlePath", CA_BUNDLE),
                of("redshift cluster, secret", "Destination", "redshift", "RedshiftClusterId", "warehouse",
                        "DatabaseSecretArn", SECRET, "RedshiftCopyRoleArn", "default", "TargetTable", "orders",
                        "LoaderTimeoutSeconds", "600", "RequeueAfterMinutes", "66"));
    }

    static Scenario of(String name, String... keyValues) {
        Map<String, String> p = new LinkedHashMap<>(CODE);
        for (int i = 0; i < keyValues.length; i += 2) {
            p.put(keyValues[i], keyValues[i + 1]);
        }
        return new Scenario(name, Map.copyOf(p));
    }

    Scenario with(String... keyValues) {
        Map<String, String> p = new LinkedHashMap<>(parameters);
        for (int i = 0; i < keyValues.length; i += 2) {
            p.put(keyValues[i], keyValues[i + 1]);
        }
        return new Scenario(name + " " + String.join("=", keyValues), Map.copyOf(p));
    }

    CfnEvaluator evaluate(CfnTemplate template) {
        return new CfnEvaluator(template, parameters);
    }

    String destination() {
        return parameters.getOrDefault("Destination", "copy");
    }

    @Override
    public String toString() {
        return name;
    }
}
