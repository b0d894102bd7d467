namespace IbmiMcp.Emulator.Sql;

/// <summary>An open result set. Fetch follows the server's rule: is_done only when the end was hit inside this block.</summary>
internal abstract class ResultCursor : IDisposable
{
    private bool _done;

    public abstract IReadOnlyList<ColumnMeta> Columns { get; }
    public bool IsDone => _done;

    /// <summary>Called under the job's lock.</summary>
    public List<object?[]> Fetch(int rows, out bool isDone)
    {
        var list = new List<object?[]>(Math.Clamp(rows, 0, 1024));
        if (_done) { isDone = true; return list; }
        for (int i = 0; i < rows; i++)
        {
            if (!TryRead(out var row))
            {
                _done = true;
                Dispose();
                break;
            }
            list.Add(row);
        }
        isDone = _done;
        return list;
    }

    protected abstract bool TryRead(out object?[] row);

    public abstract void Dispose();
}

/// <summary>Stands in for a finished cursor so its reader, command and columns can be collected.</summary>
internal sealed class ExhaustedCursor : ResultCursor
{
    public static readonly ExhaustedCursor Instance = Create();

    private static ExhaustedCursor Create()
    {
        var c = new ExhaustedCursor();
        c.Fetch(1, out _);
        return c;
    }

    public override IReadOnlyList<ColumnMeta> Columns => [];

    protected override bool TryRead(out object?[] row)
    {
        row = [];
        return false;
    }

    public override void Dispose() { }
}

/// <summary>Rows produced by the emulator itself (procedure results, CL job logs).</summary>
internal sealed class ListCursor(IReadOnlyList<ColumnMeta> columns, IEnumerable<object?[]> rows) : ResultCursor
{
    private readonly IEnumerator<object?[]> _rows = rows.GetEnumerator();

    public override IReadOnlyList<ColumnMeta> Columns => columns;

    protected override bool TryRead(out object?[] row)
    {
        if (_rows.MoveNext()) { row = _rows.Current; return true; }
        row = [];
        return false;
    }

    public override void Dispose() => _rows.Dispose();
}
