using IbmiMcp.Mapepire;

namespace IbmiMcp.Tools;

/// <summary>The reference server's JSON-RPC style codes, as reported in a failed tool result's errorCode.</summary>
internal static class ToolErrorCodes
{
    public const int ServiceUnavailable = -32000;
    public const int Timeout = -32004;
    public const int Forbidden = -32005;
    public const int Unauthorized = -32006;
    public const int ValidationError = -32007;
    public const int DatabaseError = -32010;
    public const int InternalError = -32603;

    public static int From(MapepireFailure failure) => failure switch
    {
        MapepireFailure.Sql => DatabaseError,
        MapepireFailure.Authentication => Unauthorized,
        MapepireFailure.Timeout => Timeout,
        MapepireFailure.Protocol => InternalError,
        _ => ServiceUnavailable,
    };
}
