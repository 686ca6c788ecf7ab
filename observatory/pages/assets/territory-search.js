(function(){
  /* Filters the territories' lists as one types, accents and case aside; opens the groups that match. */
  var box=document.getElementById('territory-search');
  if(!box){return;}
  var plain=function(s){return s.normalize('NFD').replace(/[\u0300-\u036f]/g,'').toLowerCase();};
  var groups=document.querySelectorAll('.territory-group');
  box.addEventListener('input',function(){
    var q=plain(box.value.trim());
    groups.forEach(function(g){
      var shown=0;
      g.querySelectorAll('li').forEach(function(li){
        var hit=!q||plain(li.textContent).indexOf(q)>=0;li.style.display=hit?'':'none';if(hit){shown++;}
      });
      g.style.display=shown?'':'none';
      if(q&&g.tagName==='DETAILS'){g.open=shown>0;}
    });
  });
})();
