namespace IbmiMcp.Mapepire;

/// <summary>
/// Runs statements as one IBM i identity. Implemented by <c>MapepirePool</c>; tools receive the caller's runner
/// explicitly (never through ambient state), so whose credentials run a statement is decided at the edge.
/// </summary>
public interface ISqlRunner
{
    /// <summary>IBM i user profile the statements run as (upper-case).</summary>
    string User { get; }

    /// <summary>Runs the command. Throws <see cref="MapepireException"/> on any failure.</summary>
    ValueTask<SqlResult> ExecuteAsync(SqlCommand command, CancellationToken cancellationToken);
}
