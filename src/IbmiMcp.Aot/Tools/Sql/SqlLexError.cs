namespace IbmiMcp.Tools;

/// <summary>Why the tokenizer stopped before the end of the statement.</summary>
internal enum SqlLexError : byte
{
    None,
    UnterminatedString,
    UnterminatedIdentifier,
    UnterminatedComment,
    /// <summary>
    /// `/*` inside a bracketed comment. Servers disagree on whether bracketed comments nest; whichever way we
    /// guessed, text the server executes could look like comment to us (or the reverse), so we refuse it.
    /// </summary>
    NestedComment,
}
