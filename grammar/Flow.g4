// The .flow language (LANGUAGE.md §1–§8). compiler/syntax drives this parser
// one statement at a time and turns its parse tree into the AST; the names
// of tokens and rules never reach a user (compiler/syntax/syntax_errors.cpp
// says what is expected in flowc's own words).
//
// Keywords are case-insensitive (letter fragments, since the 4.7 tool has no
// caseInsensitive option). Only the structural words are reserved; the rest
// are "soft": `identifier` lists them, so `key`, `time`, `count`, `s` or
// `format` still work as column names. Source kinds, formats, types, sink
// kinds and on-error actions are plain identifiers that the AST builder maps,
// so a misspelt one gets "unknown source kind 'kinesiss'" with a hint.
grammar Flow;

// ------------------------------------------------------------ statements

// The driver calls `statement` repeatedly, so that after an error it can
// skip to the next `;` and go on with the rest of the file.
statement
  : sourceDecl
  | tableDecl
  | streamDecl
  | sinkDecl
  | deadLetterDecl
  ;

sourceDecl
  : SOURCE name=identifier FROM kind=identifier (FORMAT format=identifier)? fieldList? sourceClause* SEMI
  ;

sourceClause
  : EVENT TIME field=identifier WATERMARK watermark=duration (ALLOWED LATENESS lateness=duration)?  # eventTimeClause
  | ON ERROR action=identifier (TO target=sinkTarget)?                                             # onErrorClause
  ;

fieldList
  : LPAREN (fieldDecl (COMMA fieldDecl)* COMMA?)? RPAREN
  ;

fieldDecl
  : name=identifier typeName (EQ path=jsonPath)?
  ;

typeName
  : base=identifier (LPAREN tsUnit=identifier RPAREN)? QUESTION?
  ;

jsonPath
  : DOLLAR jsonStep*
  ;

jsonStep
  : DOT anyName                # memberStep
  | LBRACKET INT RBRACKET      # indexStep
  | LBRACKET STRING RBRACKET   # quotedMemberStep
  ;

tableDecl
  : TABLE name=identifier FROM FILE file=STRING fieldList KEY key=identifier SEMI
  ;

streamDecl
  : STREAM name=identifier AS selectStmt SEMI
  ;

sinkDecl
  : SINK name=identifier TO sinkTarget SEMI
  ;

deadLetterDecl
  : DEAD_LETTER TO sinkTarget SEMI
  ;

sinkTarget
  : kind=identifier target=STRING? sinkOption*
  ;

sinkOption
  : NAMESPACE value=STRING                                        # namespaceOption
  | DIMENSIONS LPAREN identifier (COMMA identifier)* RPAREN        # dimensionsOption
  | PARTITION KEY column=identifier                               # partitionKeyOption
  | REGION value=STRING                                           # regionOption
  | PREFIX value=STRING                                           # prefixOption
  | MESSAGE GROUP column=identifier                               # messageGroupOption
  ;

// ------------------------------------------------------------ select

selectStmt
  : SELECT DISTINCT? selectItem (COMMA selectItem)*
    FROM from=tableRef joinClause*
    (WHERE where=expr)?
    (GROUP BY groupKeys+=expr (COMMA groupKeys+=expr)*)?
    (HAVING having=expr)?
    (ORDER BY orderItem (COMMA orderItem)*)?
    (LIMIT limit=INT)?
    (EMIT emitMode=identifier)?
  ;

selectItem
  : STAR                                # starItem
  | qual=identifier DOT STAR            # qualifiedStarItem
  | expr (AS? alias=identifier)?        # exprItem
  ;

tableRef
  : name=identifier (AS? alias=identifier)?
  ;

joinClause
  : (LEFT OUTER?)? JOIN tableRef ON cond=expr
  ;

orderItem
  : expr (ASC | DESC)?
  ;

// ------------------------------------------------------------ expressions
// Precedence, loosest first: or; and; not; comparison, is null, between, in,
// like; + - ||; * / %; unary - +. Between's bounds are `additive`, so its
// `and` is never taken for the logical one.

expr
  : andExpr (OR andExpr)*
  ;

andExpr
  : notExpr (AND notExpr)*
  ;

notExpr
  : NOT notExpr         # notOp
  | predicateExpr       # notOperand
  ;

predicateExpr
  : additive predicateSuffix?
  ;

predicateSuffix
  : compareOp additive                                       # comparison
  | IS NOT? NULL_                                            # isNull
  | NOT? BETWEEN low=additive AND high=additive              # between
  | NOT? IN LPAREN expr (COMMA expr)* RPAREN                 # inList
  | NOT? LIKE additive                                       # like
  ;

compareOp
  : EQ | NE | LT | LE | GT | GE
  ;

additive
  : multiplicative ((PLUS | MINUS | CONCAT) multiplicative)*
  ;

multiplicative
  : unary ((STAR | SLASH | PERCENT) unary)*
  ;

unary
  : (MINUS | PLUS) unary   # signOp
  | primary                # unaryOperand
  ;

// `5 s` is a duration, not the literal 5 aliased as `s`: the duration
// alternative comes first, and ANTLR resolves the ambiguity to it.
primary
  : duration                                                             # durationLiteral
  | INT                                                                  # intLiteral
  | FLOAT                                                                # floatLiteral
  | STRING                                                               # stringLiteral
  | (TRUE_ | FALSE_)                                                     # boolLiteral
  | NULL_                                                                # nullLiteral
  | CAST LPAREN expr AS typeName RPAREN                                  # castExpr
  | EXTRACT LPAREN field=identifier FROM expr RPAREN                     # extractExpr
  | CASE operand=expr? (WHEN conds+=expr THEN results+=expr)+ (ELSE otherwise=expr)? END  # caseExpr
  | fn=identifier LPAREN (STAR | DISTINCT? expr (COMMA expr)*)? RPAREN   # callExpr
  | qual=identifier DOT col=identifier                                   # qualifiedColumn
  | col=identifier                                                       # column
  | LPAREN expr RPAREN                                                   # parenExpr
  ;

duration
  : amount=(INT | FLOAT) timeUnit                  # amountDuration
  | INTERVAL amount=STRING timeUnit?               # intervalDuration
  ;

timeUnit
  : MS | MILLISECOND | MILLISECONDS | S | SECOND | SECONDS | M | MINUTE | MINUTES
  | H | HOUR | HOURS | D | DAY | DAYS
  ;

// ------------------------------------------------------------ names

identifier
  : IDENT
  | QUOTED_IDENT
  | softKeyword
  ;

softKeyword
  : FORMAT | EVENT | TIME | WATERMARK | ALLOWED | LATENESS | ERROR | DEAD_LETTER | TO | FILE | KEY
  | OUTER | ASC | DESC | NAMESPACE | DIMENSIONS | PARTITION | REGION | PREFIX | MESSAGE
  | MS | MILLISECOND | MILLISECONDS | S | SECOND | SECONDS | M | MINUTE | MINUTES
  | H | HOUR | HOURS | D | DAY | DAYS
  ;

// A JSON member after `$.` may be any word, reserved or not (`$.from`).
anyName
  : identifier
  | SELECT | FROM | WHERE | GROUP | BY | HAVING | ORDER | LIMIT | JOIN | LEFT | ON | AND | OR | NOT
  | IS | NULL_ | TRUE_ | FALSE_ | CASE | WHEN | THEN | ELSE | END | AS | IN | BETWEEN | LIKE | CAST
  | EXTRACT | INTERVAL | DISTINCT | SOURCE | STREAM | SINK | TABLE | EMIT
  ;

// ------------------------------------------------------------ lexer

// Reserved words.
SELECT: S_ E_ L_ E_ C_ T_;
FROM: F_ R_ O_ M_;
WHERE: W_ H_ E_ R_ E_;
GROUP: G_ R_ O_ U_ P_;
BY: B_ Y_;
HAVING: H_ A_ V_ I_ N_ G_;
ORDER: O_ R_ D_ E_ R_;
LIMIT: L_ I_ M_ I_ T_;
JOIN: J_ O_ I_ N_;
LEFT: L_ E_ F_ T_;
ON: O_ N_;
AND: A_ N_ D_;
OR: O_ R_;
NOT: N_ O_ T_;
IS: I_ S_;
NULL_: N_ U_ L_ L_;
TRUE_: T_ R_ U_ E_;
FALSE_: F_ A_ L_ S_ E_;
CASE: C_ A_ S_ E_;
WHEN: W_ H_ E_ N_;
THEN: T_ H_ E_ N_;
ELSE: E_ L_ S_ E_;
END: E_ N_ D_;
AS: A_ S_;
IN: I_ N_;
BETWEEN: B_ E_ T_ W_ E_ E_ N_;
LIKE: L_ I_ K_ E_;
CAST: C_ A_ S_ T_;
EXTRACT: E_ X_ T_ R_ A_ C_ T_;
INTERVAL: I_ N_ T_ E_ R_ V_ A_ L_;
DISTINCT: D_ I_ S_ T_ I_ N_ C_ T_;
SOURCE: S_ O_ U_ R_ C_ E_;
STREAM: S_ T_ R_ E_ A_ M_;
SINK: S_ I_ N_ K_;
TABLE: T_ A_ B_ L_ E_;
EMIT: E_ M_ I_ T_;

// Soft keywords (also identifiers).
FORMAT: F_ O_ R_ M_ A_ T_;
EVENT: E_ V_ E_ N_ T_;
TIME: T_ I_ M_ E_;
WATERMARK: W_ A_ T_ E_ R_ M_ A_ R_ K_;
ALLOWED: A_ L_ L_ O_ W_ E_ D_;
LATENESS: L_ A_ T_ E_ N_ E_ S_ S_;
ERROR: E_ R_ R_ O_ R_;
DEAD_LETTER: D_ E_ A_ D_ '_' L_ E_ T_ T_ E_ R_;
TO: T_ O_;
FILE: F_ I_ L_ E_;
KEY: K_ E_ Y_;
OUTER: O_ U_ T_ E_ R_;
ASC: A_ S_ C_;
DESC: D_ E_ S_ C_;
NAMESPACE: N_ A_ M_ E_ S_ P_ A_ C_ E_;
DIMENSIONS: D_ I_ M_ E_ N_ S_ I_ O_ N_ S_;
PARTITION: P_ A_ R_ T_ I_ T_ I_ O_ N_;
REGION: R_ E_ G_ I_ O_ N_;
PREFIX: P_ R_ E_ F_ I_ X_;
MESSAGE: M_ E_ S_ S_ A_ G_ E_;

// Duration units (soft).
MS: M_ S_;
MILLISECOND: M_ I_ L_ L_ I_ S_ E_ C_ O_ N_ D_;
MILLISECONDS: M_ I_ L_ L_ I_ S_ E_ C_ O_ N_ D_ S_;
S: S_;
SECOND: S_ E_ C_ O_ N_ D_;
SECONDS: S_ E_ C_ O_ N_ D_ S_;
M: M_;
MINUTE: M_ I_ N_ U_ T_ E_;
MINUTES: M_ I_ N_ U_ T_ E_ S_;
H: H_;
HOUR: H_ O_ U_ R_;
HOURS: H_ O_ U_ R_ S_;
D: D_;
DAY: D_ A_ Y_;
DAYS: D_ A_ Y_ S_;

// Punctuation.
SEMI: ';';
COMMA: ',';
DOT: '.';
LPAREN: '(';
RPAREN: ')';
LBRACKET: '[';
RBRACKET: ']';
STAR: '*';
SLASH: '/';
PERCENT: '%';
PLUS: '+';
MINUS: '-';
CONCAT: '||';
EQ: '=';
NE: '!=' | '<>';
LE: '<=';
LT: '<';
GE: '>=';
GT: '>';
QUESTION: '?';
DOLLAR: '$';

// Literals. Escapes in strings are decoded (and checked) by the AST builder.
INT: DIGIT+;
FLOAT: DIGIT+ '.' DIGIT+ EXPONENT? | '.' DIGIT+ EXPONENT? | DIGIT+ EXPONENT;
STRING: '\'' ( '\'\'' | '\\' . | ~['\\] )* '\'';
IDENT: [A-Za-z_] [A-Za-z0-9_]*;
QUOTED_IDENT: '`' ( '``' | ~'`' )* '`';

WS: [ \t\r\n\f]+ -> skip;
LINE_COMMENT: '--' ~[\r\n]* -> skip;
BLOCK_COMMENT: '/*' .*? '*/' -> skip;

// Error tokens: they reach the parser (so that it stops there) but the
// syntax stage reports them itself, once. The longest match rule makes a
// closed string or comment win over its unterminated form.
UNTERMINATED_BLOCK_COMMENT: '/*' ( ~'*' | '*'+ ~[*/] )* '*'*;
UNTERMINATED_STRING: '\'' ( '\'\'' | '\\' . | ~['\\] )* '\\'?;
UNTERMINATED_QUOTED_IDENT: '`' ( '``' | ~'`' )*;
ERROR_CHAR: .;

fragment DIGIT: [0-9];
fragment EXPONENT: [eE] [+-]? DIGIT+;

fragment A_: [aA]; fragment B_: [bB]; fragment C_: [cC]; fragment D_: [dD]; fragment E_: [eE];
fragment F_: [fF]; fragment G_: [gG]; fragment H_: [hH]; fragment I_: [iI]; fragment J_: [jJ];
fragment K_: [kK]; fragment L_: [lL]; fragment M_: [mM]; fragment N_: [nN]; fragment O_: [oO];
fragment P_: [pP]; fragment Q_: [qQ]; fragment R_: [rR]; fragment S_: [sS]; fragment T_: [tT];
fragment U_: [uU]; fragment V_: [vV]; fragment W_: [wW]; fragment X_: [xX]; fragment Y_: [yY];
fragment Z_: [zZ];
