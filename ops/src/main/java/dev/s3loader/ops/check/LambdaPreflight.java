package dev.s3loader.ops.check;

import dev.s3loader.model.CheckItem;
import dev.s3loader.model.PreflightAnswer;
import java.util.List;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.InvocationType;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;

/**
 * The loader's preflight run inside the deployed function, with its role and in its network: one
 * synchronous Invoke (RequestResponse) with the preflight request, whose answer is the items. The
 * status code of Invoke does not reflect a function error: the X-Amz-Function-Error header
 * ({@code functionError}) does, and the payload then holds the error.
 */
public final class LambdaPreflight {
    private final LambdaClient lambda;

    public LambdaPreflight(LambdaClient lambda) {
        this.lambda = lambda;
    }

    public List<CheckItem> run(String functionName) {
        InvokeResponse r;
        try {
            r = lambda.invoke(b -> b.functionName(functionName).invocationType(InvocationType.REQUEST_RESPONSE)
                    .payload(SdkBytes.fromUtf8String(PreflightAnswer.REQUEST)));
        } catch (SdkException e) {
            return List.of(StackWiring.refused("loader function", "lambda:InvokeFunction on " + functionName, e));
        }
        String payload = r.payload() == null ? "" : r.payload().asUtf8String();
        if (r.functionError() != null) {
            return List.of(CheckItem.problem("loader function", functionName + " failed (" + r.functionError() + "): "
                    + abbreviate(payload), "read the loader's log group; a configuration error names the variable"));
        }
        try {
            return PreflightAnswer.fromJson(payload);
        } catch (IllegalArgumentException e) {
            return List.of(CheckItem.problem("loader function", functionName + " did not answer the preflight request ("
                    + e.getMessage() + ")", "deploy this version's loader (scripts/deploy): older loaders take it for an empty batch"));
        }
    }

    private static String abbreviate(String s) {
        return s.length() > 300 ? s.substring(0, 300) + "…" : s;
    }
}
