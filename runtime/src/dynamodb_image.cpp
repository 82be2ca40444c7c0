// dynamodb_image.cpp — DynamoDB item images to plain JSON (dynamodb_image.h).
//
// Written against simdjson's On-Demand API rather than a hand scanner: a
// DynamoDB Streams batch is at most 1,000 records of at most 400 KB items, and
// the decoder already parses the record's `dynamodb` object with simdjson, so
// this pass is the same order of cost as the one before it.
#include "dynamodb_image.h"

#include <string_view>

#include "flow/json_check.h"
#include "flow/json_writer.h"
#include "flow/record_scan.h"

namespace flow::detail {
namespace {

namespace od = simdjson::ondemand;

class ImageWriter {
 public:
  explicit ImageWriter(std::string& out) : out_(out) {}

  // {"name": typed value, …} → {"name": value, …}
  bool item(od::object object, int depth) {
    if (depth > kMaxImageDepth) return tooDeep();
    out_.push_back('{');
    bool first = true;
    for (auto member : object) {
      od::field field;
      std::string_view name;
      if (std::move(member).get(field) != simdjson::SUCCESS || field.unescaped_key().get(name) != simdjson::SUCCESS) {
        return fail("malformed map");
      }
      if (!first) out_.push_back(',');
      first = false;
      appendJsonString(out_, name);
      out_.push_back(':');
      if (!typed(field.value(), depth + 1)) {
        path_.insert(0, depth > 0 ? "." + std::string(name) : std::string(name));
        return false;
      }
    }
    out_.push_back('}');
    return true;
  }

  // After item() failed: "attribute 'Addr.City' has …". The record's own
  // text in it (the path, a type, an N) is cut to an excerpt: the message
  // is a dead letter's reason, and an attribute name may be 64 KB long.
  std::string error() const { return "attribute '" + json::excerpt(path_) + "' " + what_; }

 private:
  enum class Element { Typed, String, Number };

  // The attribute's path is not known here: the levels a failure returns
  // through put it together (item() and list() prepend their step), so the
  // path is only built for the record that fails.
  bool fail(std::string_view what) {
    what_ = what;
    return false;
  }
  bool tooDeep() { return fail("nests deeper than " + std::to_string(kMaxImageDepth) + " levels"); }

  // {"T": x} → x by the type T.
  bool typed(od::value value, int depth) {
    od::object wrapper;
    if (value.get_object().get(wrapper) != simdjson::SUCCESS) {
      return fail("is not a DynamoDB attribute value ({\"S\": …}, {\"N\": …}, …)");
    }
    bool seen = false;
    for (auto member : wrapper) {
      od::field field;
      std::string_view type;
      if (std::move(member).get(field) != simdjson::SUCCESS || field.unescaped_key().get(type) != simdjson::SUCCESS) {
        return fail("is malformed");
      }
      if (seen) return fail("has more than one type");
      seen = true;
      od::value inner = field.value();
      bool ok;
      if (type == "S" || type == "B") {
        ok = string(inner);
      } else if (type == "N") {
        ok = number(inner);
      } else if (type == "BOOL") {
        bool b;
        ok = inner.get_bool().get(b) == simdjson::SUCCESS;
        if (ok) appendJsonBool(out_, b);
        else fail("has a BOOL that is not true or false");
      } else if (type == "NULL") {
        bool b = false;  // DynamoDB writes only {"NULL": true}
        ok = inner.get_bool().get(b) == simdjson::SUCCESS && b;
        if (ok) appendJsonNull(out_);
        else fail("has a NULL that is not true");
      } else if (type == "M") {
        od::object map;
        ok = inner.get_object().get(map) == simdjson::SUCCESS;
        if (ok) ok = item(map, depth);
        else fail("has an M that is not an object");
      } else if (type == "L") {
        ok = list(inner, depth, Element::Typed);
      } else if (type == "SS" || type == "BS") {
        ok = list(inner, depth, Element::String);
      } else if (type == "NS") {
        ok = list(inner, depth, Element::Number);
      } else {
        return fail("has the unknown type '" + json::excerpt(type) + "'");
      }
      if (!ok) return false;
    }
    if (!seen) return fail("has no type");
    return true;
  }

  bool string(od::value value) {
    std::string_view text;
    if (value.get_string().get(text) != simdjson::SUCCESS) return fail("has a string type whose value is not a string");
    appendJsonString(out_, text);
    return true;
  }

  // N is a string holding the number: written without its quotes, so it must
  // be a JSON number (DynamoDB writes them so: "101", "-3.5", "1E+2").
  bool number(od::value value) {
    std::string_view text;
    if (value.get_string().get(text) != simdjson::SUCCESS) return fail("has an N that is not a string");
    if (!scan::isNumber(text)) return fail("has the N '" + json::excerpt(text) + "', which is not a number");
    out_.append(text);
    return true;
  }

  bool list(od::value value, int depth, Element element) {
    if (depth > kMaxImageDepth) return tooDeep();
    od::array array;
    if (value.get_array().get(array) != simdjson::SUCCESS) return fail("has a list type whose value is not an array");
    out_.push_back('[');
    size_t index = 0;
    for (auto e : array) {
      od::value v;
      if (std::move(e).get(v) != simdjson::SUCCESS) return fail("has a malformed list");
      if (index > 0) out_.push_back(',');
      bool ok = element == Element::Typed ? typed(v, depth + 1) : element == Element::String ? string(v) : number(v);
      if (!ok) {
        path_.insert(0, "[" + std::to_string(index) + "]");
        return false;
      }
      ++index;
    }
    out_.push_back(']');
    return true;
  }

  std::string& out_;
  std::string what_;  // why the image is not an item
  std::string path_;  // where: the steps of the levels failed through so far
};

}  // namespace

bool dynamoImageToJson(od::object image, std::string& out, std::string& error) {
  ImageWriter writer(out);
  if (writer.item(image, 0)) return true;
  error = writer.error();
  return false;
}

}  // namespace flow::detail
