# Sourced by scripts/package, scripts/deploy and scripts/destroy: checks that fail early and
# clearly, and the few facts the three share. Not meant to be run on its own.

S3LOADER_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
S3LOADER_TEMPLATE="$S3LOADER_ROOT/cloudformation/s3loader.yaml"
# Written by scripts/package, read by scripts/deploy.
S3LOADER_ARTIFACTS_FILE="${S3LOADER_ARTIFACTS_FILE:-$S3LOADER_ROOT/cloudformation/target/artifacts.env}"
# Written by scripts/container --push (ContainerImageUri=REPO@sha256:...), read by scripts/deploy.
S3LOADER_IMAGE_FILE="${S3LOADER_IMAGE_FILE:-$S3LOADER_ROOT/cloudformation/target/image.env}"

say() { printf '==> %s\n' "$*"; }
detail() { printf '    %s\n' "$*"; }
die() {
    printf 'error: %s\n' "$1" >&2
    shift
    local line
    for line in "$@"; do printf '       %s\n' "$line" >&2; done
    exit 1
}
warn() {
    printf 'warning: %s\n' "$1" >&2
    shift
    local line
    for line in "$@"; do printf '         %s\n' "$line" >&2; done
}
usage_error() {
    printf 'error: %s\n' "$1" >&2
    printf "Run '%s --help' for usage.\n" "$0" >&2
    exit 2
}

# The usage text: the script's leading comment block, without the '# '.
print_help() {
    sed -n '2,/^[^#]/p' "$1" | sed '$d' | sed 's/^# \{0,1\}//'
}

need_aws_cli() {
    if ! command -v aws >/dev/null 2>&1; then
        die "the AWS CLI is not installed (no 'aws' on PATH)." \
            "Install it (https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html," \
            "or 'apt-get install awscli'), then configure credentials with 'aws configure' or 'aws sso login'."
    fi
}

# Sets AWS_REGION (and AWS_DEFAULT_REGION) from the environment or the CLI profile.
need_region() {
    local region="${AWS_REGION:-${AWS_DEFAULT_REGION:-}}"
    if [ -z "$region" ]; then
        region="$(aws configure get region 2>/dev/null || true)"
    fi
    if [ -z "$region" ]; then
        die "no AWS region is set." \
            "Set one: 'export AWS_REGION=eu-west-1', or 'aws configure set region eu-west-1'."
    fi
    export AWS_REGION="$region" AWS_DEFAULT_REGION="$region"
}

# Sets AWS_ACCOUNT_ID and AWS_CALLER_ARN, or stops when no credentials work.
need_credentials() {
    local out
    if ! out="$(aws sts get-caller-identity --query '[Account,Arn]' --output text 2>&1)"; then
        die "no usable AWS credentials: 'aws sts get-caller-identity' failed:" \
            "$(printf '%s' "$out" | head -3)" \
            "Configure them with 'aws configure' or 'aws sso login', or choose a profile with AWS_PROFILE."
    fi
    AWS_ACCOUNT_ID="$(printf '%s' "$out" | awk '{print $1}')"
    AWS_CALLER_ARN="$(printf '%s' "$out" | awk '{print $2}')"
}

need_stack_name() {
    if [ -z "${1:-}" ]; then
        usage_error "the stack name is missing."
    fi
    if ! [[ "$1" =~ ^[A-Za-z][A-Za-z0-9-]{0,127}$ ]]; then
        usage_error "'$1' is not a valid stack name (a letter, then letters, digits and '-', at most 128)."
    fi
}

# The parameter names the template declares, one a line.
template_parameters() {
    awk '/^Parameters:/ {in_p = 1; next}
         in_p && /^[^ #]/ {exit}
         in_p && /^  [A-Za-z0-9]+:[[:space:]]*$/ {sub(/^  /, ""); sub(/:.*/, ""); print}' "$S3LOADER_TEMPLATE"
}

# Prints the stack's status, or nothing when there is no such stack; stops on any other error.
stack_status() {
    local out
    if out="$(aws cloudformation describe-stacks --stack-name "$1" --query 'Stacks[0].StackStatus' --output text 2>&1)"; then
        printf '%s' "$out"
    elif printf '%s' "$out" | grep -q 'does not exist'; then
        return 0
    else
        die "cannot look up stack $1:" "$out"
    fi
}

# Prints KEY<TAB>VALUE lines of the stack's outputs (or parameters with 'Parameters'); fails
# (the CLI's message on stderr) when the stack cannot be read. Capture it with
# 'pairs="$(stack_pairs ...)" || die ...': a process substitution would hide the failure.
stack_pairs() {
    local what="${2:-Outputs}" key=OutputKey value=OutputValue
    if [ "$what" = Parameters ]; then key=ParameterKey value=ParameterValue; fi
    aws cloudformation describe-stacks --stack-name "$1" \
        --query "Stacks[0].$what[].[$key,$value]" --output text
}

# The value of KEY in KEY<TAB>VALUE lines (stack_pairs' output); status 1 when absent. Bash 3.2
# (macOS) has no associative arrays, hence lookups in text.
pair_value() {
    awk -F '\t' -v k="$1" '$1 == k { sub(/^[^\t]*\t/, ""); print; found = 1; exit } END { exit !found }' <<<"$2"
}

# The template's Default of parameter $1, unquoted as YAML reads it; status 1 when it has none.
template_default() {
    local raw
    raw="$(awk -v want="$1" '/^Parameters:/ {in_p = 1; next}
         in_p && /^[^ #]/ {exit}
         in_p && /^  [A-Za-z0-9]+:[[:space:]]*$/ {name = $1; sub(/:$/, "", name); next}
         in_p && name == want && /^    Default:/ {sub(/^    Default:[[:space:]]*/, ""); print; found = 1; exit}
         END {exit !found}' "$S3LOADER_TEMPLATE")" || return 1
    case "$raw" in
        \"*\") raw="${raw#\"}"; raw="${raw%\"}"; printf '%s\n' "$raw" | sed -e 's/\\"/"/g' -e 's/\\\\/\\/g' ;;
        \'*\') raw="${raw#\'}"; raw="${raw%\'}"; printf '%s\n' "$raw" | sed "s/''/'/g" ;;
        *) printf '%s\n' "$raw" ;;
    esac
}

# The text of one resource of the template (its lines up to the next resource).
template_resource() {
    awk -v want="  $1:" '/^Resources:/ {in_r = 1; next}
         in_r && /^[^ #]/ {exit}
         in_r && $0 == want {on = 1; print; next}
         in_r && on && /^  [A-Za-z0-9]+:/ {exit}
         on {print}' "$S3LOADER_TEMPLATE"
}

# The definition line of condition $1; status 1 when there is no such condition.
template_condition() {
    awk -v want="$1" '/^Conditions:/ {in_c = 1; next}
         in_c && /^[^ #]/ {exit}
         in_c && index($0, "  " want ":") == 1 {print; found = 1; exit}
         END {exit !found}' "$S3LOADER_TEMPLATE"
}

sha256_hex() {
    if command -v sha256sum >/dev/null 2>&1; then sha256sum | cut -c1-64; else shasum -a 256 | cut -c1-64; fi
}

# ECS creates its service-linked role with the first cluster made in the console, not through
# CloudFormation: an account's first stack with container workers fails ("Unable to assume the
# service linked role") without it. Found by its documented path, whatever its name's case.
ensure_ecs_service_linked_role() {
    local roles out
    if ! roles="$(aws iam list-roles --path-prefix /aws-service-role/ecs.amazonaws.com/ \
            --query 'Roles[].RoleName' --output text 2>&1)"; then
        warn "cannot check for the ECS service-linked role (iam:ListRoles): $(printf '%s' "$roles" | head -1)" \
            "If the stack fails with 'Unable to assume the service linked role', create it once:" \
            "  aws iam create-service-linked-role --aws-service-name ecs.amazonaws.com"
        return 0
    fi
    case "$roles" in *AWSServiceRole*) return 0 ;; esac
    say "creating the ECS service-linked role (AWSServiceRoleForECS; once per account)"
    if ! out="$(aws iam create-service-linked-role --aws-service-name ecs.amazonaws.com 2>&1)"; then
        # Made meanwhile by someone else: "has been taken" (IAM), "already exists" (moto).
        case "$out" in
            *"has been taken"*|*EntityAlreadyExists*|*"already exists"*) return 0 ;;
        esac
        die "cannot create the ECS service-linked role (iam:CreateServiceLinkedRole):" "$out" \
            "Have an administrator run once: aws iam create-service-linked-role --aws-service-name ecs.amazonaws.com"
    fi
}

# Removes from bucket $1's notification configuration the queue entries that send to any of the
# queue ARNs $2.. (the stack's, about to be deleted), keeping every other entry: S3 refuses any
# later change of a configuration naming a queue that no longer exists. Nothing to remove, no call.
remove_queue_notifications() {
    local bucket="$1" arn filter="" kept
    shift
    [ "$#" -gt 0 ] || return 0
    for arn in "$@"; do filter="$filter${filter:+ && }QueueArn!='$arn'"; done
    [ "$(aws s3api get-bucket-notification-configuration --bucket "$bucket" \
        --query "length(QueueConfigurations[?!($filter)] || \`[]\`)" --output text)" != 0 ] || return 0
    kept="$(aws s3api get-bucket-notification-configuration --bucket "$bucket" --output json --query "{
        QueueConfigurations: QueueConfigurations[?$filter],
        TopicConfigurations: TopicConfigurations,
        LambdaFunctionConfigurations: LambdaFunctionConfigurations,
        EventBridgeConfiguration: EventBridgeConfiguration}")" || return 1
    # Absent parts come back as null; S3 takes a missing member, not a null one.
    say "removing from s3://$bucket's event notifications the entries that sent to: $*"
    kept="$(printf '%s' "$kept" | tr '\n' ' ' | sed -E 's/"(QueueConfigurations|TopicConfigurations|LambdaFunctionConfigurations|EventBridgeConfiguration)": null,? ?//g; s/, *}$/}/')"
    aws s3api put-bucket-notification-configuration --bucket "$bucket" --notification-configuration "$kept"
}
