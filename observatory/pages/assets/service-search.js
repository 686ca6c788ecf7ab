(function(){
  var box=document.getElementById('service-search');
  var rows=document.querySelectorAll('#services tbody tr');
  box.addEventListener('input',function(){
    var q=box.value.toLowerCase();
    rows.forEach(function(r){r.style.display=r.textContent.toLowerCase().indexOf(q)>=0?'':'none';});
  });
})();
