namespace IbmiMcp.Tools;

/// <summary>
/// How much of a result one tool answer may carry, so it fits a model's context and the client's tool-output limit:
/// at most <see cref="MaxRows"/> rows and <see cref="MaxBytes"/> bytes of row data (the rows as JSON objects, the
/// largest form they take in an answer). MCP_RESULT_MAX_ROWS / MCP_RESULT_MAX_BYTES set the server's budget; a YAML
/// tool may set its own (maxResultRows, maxResultBytes). A result that does not fit is cut, and the answer says so and
/// how to read the next page (<see cref="ResultPage"/>).
/// </summary>
internal readonly record struct ResultBudget(int MaxRows, int MaxBytes)
{
    public static readonly ResultBudget Default = new(100, 32 * 1024);

    /// <summary>The name of the optional argument every row-returning tool takes to read a later page.</summary>
    public const string OffsetArgument = "resultOffset";

    /// <summary>The largest <see cref="OffsetArgument"/> accepted (fetching that many rows to skip them is the limit).</summary>
    public const int MaxOffset = 1_000_000;

    public string Describe() => $"{MaxRows} rows / {FormatBytes(MaxBytes)}";

    internal static string FormatBytes(long bytes) => bytes >= 1024 * 1024 && bytes % (1024 * 1024) == 0
        ? $"{bytes / (1024 * 1024)} MiB"
        : bytes >= 1024 ? $"{Math.Round(bytes / 1024.0, 1)} KB" : $"{bytes} bytes";
}
