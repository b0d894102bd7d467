using Microsoft.Extensions.Logging;

namespace IbmiMcp.OAuth;

/// <summary>The authorization server's diagnostic log lines (the audit trail is Observability's): no token, code or password.</summary>
internal static partial class OAuthLog
{
    [LoggerMessage(EventId = 2701, Level = LogLevel.Warning, Message = "Client metadata document from {Host} could not be fetched: {Kind}: {Reason}")]
    public static partial void MetadataFetchFailed(ILogger logger, string host, string kind, string reason);

    [LoggerMessage(EventId = 2702, Level = LogLevel.Information, Message = "OAuth authorization server: issuer {Issuer}, resource {Resource}; registration {Registration}, metadata documents {Documents}, {Configured} configured client(s); grants last {GrantHours} h")]
    public static partial void Ready(ILogger logger, string issuer, string resource, bool registration, bool documents, int configured, double grantHours);
}
