namespace IbmiMcp.Mapepire;

/// <summary>
/// One statement to run on a pool. Fetch rules follow the reference (spec §5.7), except that truncation is
/// always reported: <see cref="FetchAll"/> pages with <see cref="PageSize"/> up to the pool's max-rows cap;
/// otherwise one block of <see cref="Rows"/> rows is returned and <see cref="SqlResult.Truncated"/> says
/// whether more existed.
/// </summary>
public sealed class SqlCommand
{
    public required string Sql { get; init; }
    public IReadOnlyList<SqlValue> Parameters { get; init; } = [];
    /// <summary>Rows of the single block when not paging (reference default: 100).</summary>
    public int Rows { get; init; } = 100;
    public bool FetchAll { get; init; }
    /// <summary>Page size when <see cref="FetchAll"/>; 0 = the pool's IBMI_PAGINATION_DEFAULT_PAGE_SIZE.</summary>
    public int PageSize { get; init; }
    /// <summary>Row cap when <see cref="FetchAll"/>; 0 = the pool's IBMI_PAGINATION_MAX_ROWS.</summary>
    public int MaxRows { get; init; }
    /// <summary>
    /// What the IBM i job should show as the running tool (client special register CLIENT_PROGRAMID /
    /// application info), so ACTIVE_JOB_INFO and the audit journal attribute the statement. Null = leave as is.
    /// </summary>
    public string? ClientTag { get; init; }
}
