using IbmiMcp.Mapepire;

namespace IbmiMcp.Tools;

/// <summary>The SQL text to send (markers as `?`) and one bind value per `?`.</summary>
internal readonly record struct BoundStatement(string Sql, SqlValue[] Parameters);
