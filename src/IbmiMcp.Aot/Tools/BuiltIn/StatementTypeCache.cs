using System.Collections.Concurrent;

namespace IbmiMcp.Tools.BuiltIn;

/// <summary>
/// What QSYS2.PARSE_STATEMENT said about a statement's text (QUERY, INSERT, …). The parser's verdict is a function of
/// the text alone (it checks syntax, not objects or the caller's authority), so the same text never needs asking twice.
/// Bounded: statements longer than <see cref="MaxKeyLength"/> are not kept, and a full cache starts over rather than
/// track recency (a model's working set of statements is small; the cost of a miss is one round trip).
/// </summary>
internal sealed class StatementTypeCache
{
    internal const int Capacity = 512;
    internal const int MaxKeyLength = 4096;

    private readonly ConcurrentDictionary<string, string> _types = new(StringComparer.Ordinal);

    public bool TryGet(string statement, out string? type)
    {
        var found = _types.TryGetValue(statement, out var value);
        type = value;
        return found;
    }

    public void Add(string statement, string type)
    {
        if (statement.Length > MaxKeyLength) return;
        if (_types.Count >= Capacity) _types.Clear();
        _types[statement] = type;
    }

    internal int Count => _types.Count;
}
