// The visitor for std::visit made of several lambdas, one per alternative.
#pragma once

namespace spicebox {

template<typename... Handlers>
struct Overloaded : Handlers... {
    using Handlers::operator()...;
};
// Aggregate deduction would make this implicit, but clang 14 does not implement it.
template<typename... Handlers>
Overloaded(Handlers...) -> Overloaded<Handlers...>;

} // namespace spicebox
