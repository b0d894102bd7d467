namespace IbmiMcp.Mcp;

/// <summary>
/// Enumerates the media ranges of one Accept header value ("a/b;q=0.9, c/d") as trimmed "type/subtype" spans,
/// without allocating. Quality values are ignored: q=0 exclusions are not something MCP clients send.
/// </summary>
internal ref struct MediaRanges
{
    private ReadOnlySpan<char> _rest;

    public MediaRanges(ReadOnlySpan<char> value)
    {
        _rest = value;
        Current = default;
    }

    public ReadOnlySpan<char> Current { get; private set; }

    public readonly MediaRanges GetEnumerator() => this;

    public bool MoveNext()
    {
        while (!_rest.IsEmpty)
        {
            var comma = _rest.IndexOf(',');
            var item = comma < 0 ? _rest : _rest[..comma];
            _rest = comma < 0 ? default : _rest[(comma + 1)..];
            var semicolon = item.IndexOf(';');
            if (semicolon >= 0)
                item = item[..semicolon];
            item = item.Trim();
            if (!item.IsEmpty)
            {
                Current = item;
                return true;
            }
        }
        return false;
    }
}
