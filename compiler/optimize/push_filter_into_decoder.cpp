// Rule push-filter-into-decoder: Filter(p, Source(s)) → Source(s, p tested while decoding)
//
// The decoder walks a json record member by member (codegen/scan.cpp). A
// filter right over the source is tested there as soon as the fields it
// reads have been decoded; once it fails, the rest of the record is still
// validated — every declared field against its type, every other value as
// JSON, nothing after the object (LANGUAGE.md §3: a malformed record is
// dead-lettered whatever the filter says) — but no longer copied or
// unescaped, and the record yields no row. Only when:
//  - the Filter is the source's only reader (no other stream needs the
//    record's fields);
//  - its first part (merge-filters' parts are tested in order) cannot fail
//    a record: a decoding error later in the record must still be the
//    reason it fails;
//  - that part reads declared fields only (no metadata).
// The Filter stays in the plan and codegen still tests it after decoding
// (plan::Node::inDecoder marks it); the early test only skips work.
#include <fmt/format.h>

#include "graph/describe.h"
#include "optimize/support.h"

namespace flowc::optimize::detail {

bool pushFilterIntoDecoder(plan::Plan& plan, RuleFiring& firing) {
  for (const auto& np : plan.nodes) {
    plan::Node& filter = *np;
    if (filter.kind != plan::OpKind::Filter || filter.inDecoder) continue;
    const plan::Node& source = plan.node(filter.inputs.at(0));
    if (source.kind != plan::OpKind::Source || !source.source || source.source->format != ast::Format::Json)
      continue;
    if (plan::consumersOf(plan, source.id) != std::vector<int>{filter.id}) continue;
    std::vector<ast::ExprPtr> parts = filterPartsOf(filter);
    const ast::Expr& first = *parts.at(0);
    if (mayRaise(first)) continue;
    bool fieldsOnly = true, readsSome = false;
    forEachColumn(first, [&](const ast::Expr& c) {
      readsSome = true;
      fieldsOnly = fieldsOnly && c.binding.input == 0 && c.binding.column >= 0 &&
                   static_cast<size_t>(c.binding.column) < source.schema.size() &&
                   !source.schema[static_cast<size_t>(c.binding.column)].metadata;
    });
    if (!fieldsOnly || !readsSome) continue;
    firing.where = fmt::format("stream {}: {} over {}", filter.stream, nodeName(filter), nodeName(source));
    firing.before = lines(plan, {source.id, filter.id});
    filter.inDecoder = true;
    firing.after = firing.before;
    firing.after.push_back(fmt::format("(tested while decoding: {})", graph::detail::exprText(first)));
    return true;
  }
  return false;
}

}  // namespace flowc::optimize::detail
