using System.Text.Json;
using IbmiMcp.Mapepire;

namespace IbmiMcp.Tools.BuiltIn;

/// <summary>Reads cells of a <see cref="SqlResult"/> by column name (case-insensitive); missing columns read as null.</summary>
internal readonly struct RowReader
{
    private readonly SqlResult _result;

    public RowReader(SqlResult result) => _result = result;

    public int IndexOf(string column)
    {
        var columns = _result.Columns;
        for (var i = 0; i < columns.Count; i++)
            if (string.Equals(columns[i].Name, column, StringComparison.OrdinalIgnoreCase))
                return i;
        return -1;
    }

    public static string? Text(JsonElement row, int index)
    {
        if (index < 0 || index >= row.GetArrayLength())
            return null;
        var cell = row[index];
        return cell.ValueKind switch
        {
            JsonValueKind.String => cell.GetString(),
            JsonValueKind.Null or JsonValueKind.Undefined => null,
            _ => cell.GetRawText(),
        };
    }
}
