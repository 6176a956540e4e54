"""mutmut 3 leaves decorated functions alone (only a sole @staticmethod or @classmethod is mutated), so
`@transaction.atomic def ticket_update(...)` or `@property def is_active(...)` would never be mutated.
In the work directory's copy of the module under test, this rewrites

    @transaction.atomic                  def ticket_update(...):
    @change_scope("ticket")       ->         ...
    def ticket_update(...):              ticket_update = transaction.atomic(change_scope("ticket")(ticket_update))
        ...

which binds the same decorated object to the same name (the decorators' expressions are merely
evaluated after the function instead of before it), so mutmut mutates the body. Left as they are:
a sole @staticmethod/@classmethod (mutmut handles them), `@<name>.setter/.getter/.deleter` (the
assignment would rebind the property first) and @overload."""

from __future__ import annotations

import libcst as cst

KEPT_ALONE = {"staticmethod", "classmethod"}
NEVER = {"setter", "getter", "deleter", "overload"}


def _name(expression: cst.BaseExpression) -> str:
    if isinstance(expression, cst.Call):
        return _name(expression.func)
    if isinstance(expression, cst.Attribute):
        return expression.attr.value
    if isinstance(expression, cst.Name):
        return expression.value
    return ""


def _rewritable(function: cst.FunctionDef) -> bool:
    names = [_name(decorator.decorator) for decorator in function.decorators]
    if not names or (len(names) == 1 and names[0] in KEPT_ALONE):
        return False
    return not (set(names) & NEVER) and not (set(names) & KEPT_ALONE)


def _split(function: cst.FunctionDef) -> list[cst.BaseStatement]:
    applied: cst.BaseExpression = cst.Name(function.name.value)
    for decorator in reversed(function.decorators):
        applied = cst.Call(func=decorator.decorator, args=[cst.Arg(applied)])
    assignment = cst.SimpleStatementLine(
        [cst.Assign(targets=[cst.AssignTarget(cst.Name(function.name.value))], value=applied)]
    )
    return [function.with_changes(decorators=[], leading_lines=function.leading_lines), assignment]


def _rewrite_body(body: list[cst.BaseStatement] | tuple, in_class: bool) -> tuple[list, int]:
    statements: list = []
    count = 0
    for statement in body:
        if isinstance(statement, cst.FunctionDef) and _rewritable(statement):
            statements += _split(statement)
            count += 1
        elif not in_class and isinstance(statement, cst.ClassDef) and isinstance(statement.body, cst.IndentedBlock):
            inner, rewritten = _rewrite_body(statement.body.body, in_class=True)
            statements.append(statement.with_changes(body=statement.body.with_changes(body=inner)))
            count += rewritten
        else:
            statements.append(statement)
    return statements, count


def undecorate(source: str) -> tuple[str, int]:
    """The source with top-level functions' and top-level classes' methods' decorators applied by
    assignment; and how many functions were rewritten."""
    module = cst.parse_module(source)
    body, count = _rewrite_body(module.body, in_class=False)
    return module.with_changes(body=body).code, count
