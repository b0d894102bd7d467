namespace IbmiMcp.Tools;

internal enum ToolFailureKind : byte { Validation, Security, Sql, Connection, Internal }
