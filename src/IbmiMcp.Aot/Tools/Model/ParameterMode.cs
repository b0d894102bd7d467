namespace IbmiMcp.Tools;

/// <summary>How a statement takes its values (reported as metadata.parameterMode).</summary>
internal enum ParameterMode : byte
{
    /// <summary>No markers.</summary>
    None,
    /// <summary>`:name` markers.</summary>
    Named,
    /// <summary>`?` markers, bound to the parameters in declaration order.</summary>
    Positional,
    /// <summary>Both: `:name` by name, then each `?` to the next parameter not referenced by name.</summary>
    Hybrid,
    /// <summary>The statement is exactly `:param` and the argument is the SQL (execute_sql-style tools).</summary>
    DirectSubstitution,
}
