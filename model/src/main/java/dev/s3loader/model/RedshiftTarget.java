package dev.s3loader.model;

import java.util.Optional;

/**
 * Where the redshift destination runs its statements through the Data API: a provisioned cluster
 * (cluster id; a secret, a database user for temporary credentials, or neither for the caller's
 * IAM identity) or a Serverless workgroup (a secret, or the caller's IAM identity).
 *
 * @param iamRole the role COPY assumes to read the files (IAM_ROLE)
 */
public record RedshiftTarget(Optional<String> clusterId, Optional<String> workgroup, Optional<String> database,
                             Optional<String> secretArn, Optional<String> dbUser, Optional<String> iamRole) {
}
