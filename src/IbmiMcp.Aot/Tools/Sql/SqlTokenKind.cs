namespace IbmiMcp.Tools;

/// <summary>Kinds of significant SQL tokens. Comments and white space never become tokens.</summary>
internal enum SqlTokenKind : byte
{
    /// <summary>An ordinary identifier or keyword (IBM i names may contain #, $ and @).</summary>
    Word,
    /// <summary>A delimited identifier, "A:B" (the quotes are part of the token).</summary>
    QuotedIdentifier,
    /// <summary>A string literal, 'it''s' (the quotes are part of the token).</summary>
    String,
    Number,
    /// <summary>A `:name` marker (the colon is part of the token). A name starting with a digit is invalid.</summary>
    NamedMarker,
    /// <summary>A `?` parameter marker.</summary>
    PositionalMarker,
    /// <summary>A `{{` opening a reference-server template marker (rejected).</summary>
    TemplateOpen,
    Semicolon,
    LeftParen,
    RightParen,
    Comma,
    Dot,
    /// <summary>Any other character (operators, concatenation, `=&gt;`), one character per token.</summary>
    Operator,
}
